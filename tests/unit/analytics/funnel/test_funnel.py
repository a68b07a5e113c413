"""``compute_funnel`` by its contract (docs/architecture.md, ``cancerwatch funnel`` fields; FunnelPlotR 0.6.0 "PR")."""

from __future__ import annotations

import math

import pytest

from cancerwatch.analytics.funnel import compute_funnel, funnel_curves

NUMERATORS = [30, 45, 60, 25, 80, 50, 70, 40, 90, 55]
DENOMINATORS = [50, 70, 90, 40, 100, 80, 100, 60, 120, 75]
UNITS = [(f"R{i:02d}", f"Trust {i}", x, n) for i, (x, n) in enumerate(zip(NUMERATORS, DENOMINATORS, strict=True))]
FIELDS = [
    "org_code",
    "org_name",
    "numerator",
    "denominator",
    "performance",
    "lower95",
    "upper95",
    "lower998",
    "upper998",
    "outlier",
    "phi",
    "tau2",
    "target",
]


def at_100(result):
    row = next(r for r in result.to_rows() if r["denominator"] == 100)
    return tuple(round(row[k], 4) for k in ("lower95", "upper95", "lower998", "upper998"))


def test_rows_carry_exactly_the_design_fields():
    rows = compute_funnel(UNITS).to_rows()
    assert [list(r) for r in rows] == [FIELDS] * 10
    assert [r["org_code"] for r in rows] == [u[0] for u in UNITS]


def test_pooled_target_phi_and_tau2():
    result = compute_funnel(UNITS)
    assert round(result.target, 5) == 0.69427
    assert round(result.phi, 5) == 1.02758
    assert round(result.tau2, 6) == 0.000456
    assert all(r["phi"] == result.phi and r["tau2"] == result.tau2 for r in result.to_rows())


def test_unadjusted_limits_by_default():
    result = compute_funnel(UNITS)
    assert not result.adjusted
    assert at_100(result) == (0.6008, 0.7803, 0.5449, 0.8252)


def test_overdispersion_adjusted_limits_when_phi_above_one():
    result = compute_funnel(UNITS, overdispersion=True)
    assert result.adjusted
    assert at_100(result) == (0.5924, 0.7873, 0.5315, 0.8353)


def test_no_adjustment_when_phi_not_above_one():
    units = [("A", "A", 50, 100), ("B", "B", 100, 200), ("C", "C", 25, 50)]
    result = compute_funnel(units, overdispersion=True)
    assert result.phi == pytest.approx(0.0, abs=1e-20) and not result.adjusted


def test_outliers_strictly_outside_the_998_limits():
    units = [("HI", "High", 90, 100), ("LO", "Low", 10, 100), ("MID", "Mid", 50, 100)]
    rows = {r["org_code"]: r for r in compute_funnel(units, target=0.5).to_rows()}
    assert rows["HI"]["outlier"] == "high" and rows["LO"]["outlier"] == "low" and rows["MID"]["outlier"] == ""


def test_equality_with_a_limit_is_inside():
    # target 1: the upper limit is clipped to 1 and a unit at 100% sits exactly on it
    rows = compute_funnel([("A", "A", 40, 40), ("B", "B", 10, 10)], target=1.0).to_rows()
    assert rows[0]["upper998"] == 1.0 and rows[0]["performance"] == 1.0
    assert [r["outlier"] for r in rows] == ["", ""]


def test_given_target_replaces_the_pooled_one_as_the_centre_line_only():
    result = compute_funnel(UNITS, target=0.75)
    assert result.target == 0.75 and all(r["target"] == 0.75 for r in result.to_rows())
    pooled = compute_funnel(UNITS)
    assert result.pooled == pooled.target == pytest.approx(545 / 785)
    assert (result.phi, result.tau2) == (pooled.phi, pooled.tau2)


# Six units of 100 patients with a pooled proportion of 0.8, worked by hand on the normal scale
# (Spiegelhalter 2005; FunnelPlotR 0.6.0 ``od_adjustment.R`` for the winsorising, φ and τ²):
#   s = sqrt(0.8 × 0.2 / 100) = 0.04, so z = (p − 0.8) / 0.04 = −2.5, −1.25, 0, 0, 1.25, 2.5.
#   Winsorising at 10%: R's type-7 quantile at 0.1 of six values sits at position 1.5, halfway
#   between −2.5 and −1.25, so the tails become −1.875 and +1.875.
#   φ = (2 × 1.875² + 2 × 1.25²) / 6 = 10.15625 / 6 = 1.6927083.
#   τ² = (N·φ − (N − 1)) / (Σw − Σw²/Σw) with w = 1/s² = 625: (10.15625 − 5) / (3750 − 625) = 0.00165.
#   Around the 85% standard the adjusted half-width is z·sqrt(0.85 × 0.15 / 100 + 0.00165)
#   = z × 0.0540833: 95% limits 0.7440 and 0.9560, 99.8% limits 0.6829 and 1 (clipped from 1.0171).
#   Unadjusted, the 99.8% half-width is 3.090232 × sqrt(0.001275) = 0.1103: limits 0.7397 and 0.9603.
HAND = [(f"U{i}", f"Unit {i}", 100 * p, 100) for i, p in enumerate((0.70, 0.75, 0.80, 0.80, 0.85, 0.90))]


def test_phi_and_tau2_are_measured_around_the_pooled_rate_not_the_target():
    for target in (None, 0.85, 0.5):
        result = compute_funnel(HAND, method="normal", target=target, overdispersion=True)
        assert result.phi == pytest.approx(10.15625 / 6)
        assert result.tau2 == pytest.approx(0.00165)
        assert result.pooled == pytest.approx(0.8) and result.adjusted


def test_limits_are_drawn_around_the_target_with_the_pooled_tau2():
    result = compute_funnel(HAND, method="normal", target=0.85, overdispersion=True)
    row = result.to_rows()[0]
    assert (row["lower95"], row["upper95"]) == pytest.approx((0.7440, 0.9560), abs=5e-5)
    assert (row["lower998"], row["upper998"]) == pytest.approx((0.6829, 1.0), abs=5e-5)
    assert [r["outlier"] for r in result.to_rows()] == [""] * 6  # 0.70 lies above 0.6829
    plain = compute_funnel(HAND, method="normal", target=0.85)
    first = plain.to_rows()[0]
    assert (first["lower998"], first["upper998"]) == pytest.approx((0.7397, 0.9603), abs=5e-5)
    assert [r["outlier"] for r in plain.to_rows()] == ["low", "", "", "", "", ""]  # 0.70 < 0.7397 < 0.75


def _funnelplotr_pr(units, target, z):
    """FunnelPlotR 0.6.0's proportion method written out step by step, with a centre line
    ``target``: ``transformed_zscore`` (arcsine, pooled), ``winsorisation`` (type-7 quantiles),
    ``phi_func``, ``tau_func`` and the adjusted limits of ``calculate_limits.R``."""
    xs, ns = [u[2] for u in units], [u[3] for u in units]
    pooled = sum(xs) / sum(ns)
    zs = [
        (math.asin(math.sqrt(x / n)) - math.asin(math.sqrt(pooled))) * 2 * math.sqrt(n)
        for x, n in zip(xs, ns, strict=True)
    ]

    def quantile(values, q):  # R type 7
        v = sorted(values)
        h = (len(v) - 1) * q
        return v[math.floor(h)] + (h - math.floor(h)) * (v[math.ceil(h)] - v[math.floor(h)])

    low, high = quantile(zs, 0.1), quantile(zs, 0.9)
    phi = sum(min(max(v, low), high) ** 2 for v in zs) / len(zs)
    w = [4 * n for n in ns]  # 1 / s² with s = 1 / (2√n)
    tau2 = max(0.0, (len(zs) * phi - (len(zs) - 1)) / (sum(w) - sum(v * v for v in w) / sum(w)))
    centre = math.asin(math.sqrt(target))
    limits = [
        (
            math.sin(max(centre - z * math.sqrt(1 / (4 * n) + tau2), 0)) ** 2,
            math.sin(min(centre + z * math.sqrt(1 / (4 * n) + tau2), math.pi / 2)) ** 2,
        )
        for n in ns
    ]
    return phi, tau2, limits


@pytest.mark.parametrize("target", [0.75, 0.85, 545 / 785])
def test_arcsine_against_funnelplotr_steps(target):
    phi, tau2, limits = _funnelplotr_pr(UNITS, target, 3.090232)
    result = compute_funnel(UNITS, target=target, overdispersion=True)
    assert (result.phi, result.tau2) == pytest.approx((phi, tau2))
    got = [v for r in result.to_rows() for v in (r["lower998"], r["upper998"])]
    assert got == pytest.approx([v for pair in limits for v in pair])


def test_zero_denominator_gets_no_limits_and_does_not_count_in_phi():
    with_empty = compute_funnel([*UNITS, ("R99", "Empty", 0, 0)])
    empty = with_empty.to_rows()[-1]
    assert empty["performance"] is None and empty["lower998"] is None and empty["outlier"] == ""
    assert with_empty.phi == pytest.approx(compute_funnel(UNITS).phi)


def test_accepts_mappings_and_half_patients_and_iterates_as_dicts():
    units = [
        {"org_code": "A", "org_name": "A", "numerator": 10.5, "denominator": 20},
        {"org_code": "B", "numerator": 30, "denominator": 40.5},
    ]
    rows = list(compute_funnel(units))
    assert rows[0]["performance"] == pytest.approx(10.5 / 20)
    assert rows[1]["org_name"] == "B"
    assert len(compute_funnel(units)) == 2


@pytest.mark.parametrize("method", ["normal", "exact"])
def test_other_methods(method):
    result = compute_funnel(UNITS, method=method, target=0.75)
    row = next(r for r in result.to_rows() if r["denominator"] == 100)
    expected = {"normal": (0.6162, 0.8838), "exact": (0.6044, 0.8704)}[method]
    assert (round(row["lower998"], 4), round(row["upper998"], 4)) == expected


@pytest.mark.parametrize(
    ("units", "kwargs", "message"),
    [
        ([], {}, "no organisations"),
        ([("A", "A", 5, 4)], {}, "numerator"),
        ([("A", "A", -1, 4)], {}, "numerator"),
        ([("A", "A", 0, 0)], {}, "zero"),
        (UNITS, {"method": "poisson"}, "method"),
        (UNITS, {"method": "exact", "overdispersion": True}, "exact"),
        (UNITS, {"target": 75}, "target"),
    ],
)
def test_bad_input_is_refused(units, kwargs, message):
    with pytest.raises(ValueError, match=message):
        compute_funnel(units, **kwargs)


def test_curves_span_three_to_the_largest_denominator():
    result = compute_funnel(UNITS, overdispersion=True)
    curves = result.curves(points=50)
    assert curves.denominator[0] == 3 and curves.denominator[-1] == pytest.approx(120)
    assert curves.target == result.target
    i = min(range(50), key=lambda k: abs(curves.denominator[k] - 100))
    grid = funnel_curves(result.target, 120, tau2=result.tau2, points=50)
    assert grid.upper998[i] == curves.upper998[i]
    rows = curves.to_rows()
    assert len(rows) == 50 and set(rows[0]) == {"denominator", "lower95", "upper95", "lower998", "upper998"}
    assert all(r["lower998"] <= r["lower95"] <= result.target <= r["upper95"] <= r["upper998"] for r in rows)
