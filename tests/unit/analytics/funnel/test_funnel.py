"""``compute_funnel`` by its contract (design.md ``cancerwatch funnel``; FunnelPlotR 0.6.0 "PR")."""

from __future__ import annotations

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


def test_given_target_replaces_the_pooled_one():
    result = compute_funnel(UNITS, target=0.75)
    assert result.target == 0.75 and all(r["target"] == 0.75 for r in result.to_rows())


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
