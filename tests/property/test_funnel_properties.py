"""Funnel invariants (Hypothesis): limits narrow as the denominator grows; lower ≤ target ≤ upper."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from cancerwatch.analytics.funnel import compute_funnel
from cancerwatch.analytics.funnel.limits import Z95, Z998, proportion_limits

targets = st.floats(min_value=0.0, max_value=1.0)
denominators = st.floats(min_value=0.5, max_value=1e6)
levels = st.sampled_from([Z95, Z998])
taus = st.one_of(st.just(0.0), st.floats(min_value=0.0, max_value=0.05))
EPS = 1e-12


@given(targets, denominators, denominators, levels, taus, st.sampled_from(["arcsine", "normal"]))
def test_limits_narrow_as_denominator_grows(p0, n1, n2, z, tau2, method):
    small, large = sorted((n1, n2))
    low_s, high_s = proportion_limits(p0, small, z, method=method, tau2=tau2)
    low_l, high_l = proportion_limits(p0, large, z, method=method, tau2=tau2)
    assert low_s <= low_l + EPS
    assert high_s >= high_l - EPS


@given(targets, denominators, levels, st.sampled_from(["arcsine", "normal", "exact"]))
def test_lower_within_target_within_upper(p0, n, z, method):
    low, high = proportion_limits(p0, n, z, method=method)
    assert 0.0 <= low <= p0 + EPS
    assert p0 - EPS <= high <= 1.0


@given(targets, denominators)
def test_998_limits_contain_the_95_limits(p0, n):
    low95, high95 = proportion_limits(p0, n, Z95)
    low998, high998 = proportion_limits(p0, n, Z998)
    assert low998 <= low95 + EPS and high95 <= high998 + EPS


@st.composite
def units(draw):
    k = draw(st.integers(min_value=1, max_value=25))
    out = []
    for i in range(k):
        n = draw(st.integers(min_value=1, max_value=5000))
        x = draw(st.integers(min_value=0, max_value=n))
        out.append((f"U{i}", f"Unit {i}", x, n))
    return out


@given(units(), st.booleans())
def test_every_row_brackets_the_target_and_outliers_lie_outside(us, od):
    result = compute_funnel(us, overdispersion=od)
    assert np.isfinite(result.phi) and result.tau2 >= 0
    for r in result.to_rows():
        assert r["lower998"] <= r["lower95"] + EPS <= result.target + 2 * EPS
        assert result.target - EPS <= r["upper95"] <= r["upper998"] + EPS
        if r["outlier"] == "high":
            assert r["performance"] > r["upper998"]
        elif r["outlier"] == "low":
            assert r["performance"] < r["lower998"]
        else:
            assert r["lower998"] <= r["performance"] <= r["upper998"]


@given(units(), st.floats(min_value=0.0, max_value=1.0), st.sampled_from(["arcsine", "normal"]))
def test_phi_and_tau2_do_not_depend_on_the_centre_line(us, target, method):
    """FunnelPlotR estimates φ and τ² around the pooled proportion; a target only moves the
    centre line the limits are drawn around."""
    pooled = compute_funnel(us, method=method, overdispersion=True)
    centred = compute_funnel(us, method=method, target=target, overdispersion=True)
    assert centred.pooled == pooled.target
    assert np.array_equal([centred.phi, centred.tau2], [pooled.phi, pooled.tau2], equal_nan=True)
    assert centred.adjusted == pooled.adjusted


@given(units())
def test_a_target_equal_to_the_pooled_rate_changes_nothing(us):
    pooled = compute_funnel(us, overdispersion=True)
    assert compute_funnel(us, target=pooled.target, overdispersion=True).to_rows() == pooled.to_rows()
