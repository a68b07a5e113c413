"""φ and τ² against the test vectors in docs/statistics.md, funnel plots (FunnelPlotR 0.6.0 ``od_adjustment.R``)."""

from __future__ import annotations

import numpy as np
import pytest

from cancerwatch.analytics.funnel.overdispersion import (
    arcsine_z_scores,
    estimate_overdispersion,
    log_ratio_z_scores,
    phi_estimate,
    proportion_z_scores,
    tau2_dersimonian_laird,
    truncate,
    winsorise,
)

NUMERATORS = [30, 45, 60, 25, 80, 50, 70, 40, 90, 55]
DENOMINATORS = [50, 70, 90, 40, 100, 80, 100, 60, 120, 75]
P0 = sum(NUMERATORS) / sum(DENOMINATORS)

OBSERVED = [100, 150, 180, 80, 120, 225]
EXPECTED = [108, 112, 165, 95, 100, 220]


def test_pooled_target_of_the_pr_example():
    assert round(P0, 5) == 0.69427


def test_arcsine_z_scores_and_standard_errors():
    z, s = arcsine_z_scores(NUMERATORS, DENOMINATORS, P0)
    assert s[4] == pytest.approx(1 / 20)
    assert z[4] == pytest.approx((np.arcsin(np.sqrt(0.8)) - np.arcsin(np.sqrt(P0))) * 20)


def test_winsorisation_bounds_use_r_quantile_type_7():
    z, _ = arcsine_z_scores(NUMERATORS, DENOMINATORS, P0)
    zw, low, high = winsorise(z)
    assert round(low, 5) == -1.31797 and round(high, 5) == 1.47247
    assert zw.min() == low and zw.max() == high
    assert np.count_nonzero(zw != z) == 2  # one unit each tail


def test_type_7_quantile_on_a_simple_vector():
    _, low, high = winsorise(np.arange(1.0, 11.0))
    assert low == pytest.approx(1.9) and high == pytest.approx(9.1)


def test_phi_and_tau2_of_the_pr_example():
    z, s = arcsine_z_scores(NUMERATORS, DENOMINATORS, P0)
    od = estimate_overdispersion(z, s)
    assert round(od.phi, 5) == 1.02758
    assert round(od.tau2, 6) == 0.000456
    assert od.units == 10


def test_tau2_is_zero_without_evidence_of_overdispersion():
    s = np.full(10, 0.05)
    assert tau2_dersimonian_laird(0.85, s) == 0.0  # N·φ = 8.5 < N − 1 = 9
    # N·φ = 9.5 > N − 1: τ² is positive although φ < 1 (compute_funnel then still draws unadjusted limits)
    assert tau2_dersimonian_laird(0.95, s) == pytest.approx(0.5 / (4000 - 400))
    assert tau2_dersimonian_laird(2.0, [0.05]) == 0.0  # one unit


def test_phi_ignores_units_without_a_z_score():
    assert phi_estimate([1.0, np.nan, -1.0]) == pytest.approx(1.0)


def test_proportion_scale_z_scores():
    z, s = proportion_z_scores([60], [100], 0.5)
    assert s[0] == pytest.approx(0.05) and z[0] == pytest.approx(2.0)


class TestShmiPath:
    def test_truncation_buckets_keep_all_six(self):
        z, _ = log_ratio_z_scores(OBSERVED, EXPECTED)
        assert not np.isnan(truncate(z)).any()

    def test_truncation_drops_the_bottom_and_top_tenths(self):
        kept = truncate(np.arange(1.0, 21.0))
        assert np.isnan(kept).tolist() == [True, True] + [False] * 16 + [True, True]

    def test_phi_and_tau2_of_the_sr_example(self):
        z, s = log_ratio_z_scores(OBSERVED, EXPECTED)
        od = estimate_overdispersion(z, s, trim="truncate")
        assert round(od.phi, 4) == 2.9480
        assert round(od.tau2, 6) == 0.019478

    def test_unknown_trim_is_refused(self):
        with pytest.raises(ValueError, match="trim"):
            estimate_overdispersion([0.0], [1.0], trim="clip")
