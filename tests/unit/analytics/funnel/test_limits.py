"""Funnel limits against the test vectors in docs/statistics.md, funnel plots (FunnelPlotR 0.6.0;
Spiegelhalter 2005)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cancerwatch.analytics.funnel.limits import (
    Z95,
    Z998,
    arcsine_limits,
    exact_binomial_limit,
    exact_binomial_limits,
    normal_limits,
    poisson_ratio_limits,
    proportion_limits,
    shmi_adjusted_limits,
)

P0 = 545 / 785  # pooled proportion of the PR example: 0.69427


def r4(pair):
    return tuple(round(float(v), 4) for v in pair)


def test_z_constants():
    assert Z95 == 1.959964
    assert Z998 == 3.090232


class TestArcsine:
    def test_unadjusted_at_n_100(self):
        assert r4(arcsine_limits(P0, 100, Z95)) == (0.6008, 0.7803)
        assert r4(arcsine_limits(P0, 100, Z998)) == (0.5449, 0.8252)

    def test_adjusted_at_n_100(self):
        assert r4(arcsine_limits(P0, 100, Z95, tau2=0.000456)) == (0.5924, 0.7873)
        assert r4(arcsine_limits(P0, 100, Z998, tau2=0.000456)) == (0.5315, 0.8353)

    def test_clipped_and_monotone_at_tiny_n(self):
        n = np.arange(1, 200)
        for p0 in (0.02, 0.5, 0.98):
            low, high = arcsine_limits(p0, n, Z998)
            assert ((low >= 0) & (high <= 1)).all()
            assert (np.diff(low) >= 0).all() and (np.diff(high) <= 0).all()
        low, high = arcsine_limits(0.02, 3, Z998)
        assert low == 0.0  # the angle would go negative and turn back up

    def test_zero_denominator_is_nan(self):
        low, high = arcsine_limits(0.5, [0, 10], Z95)
        assert math.isnan(low[0]) and math.isnan(high[0]) and not math.isnan(low[1])

    def test_target_must_be_a_proportion(self):
        with pytest.raises(ValueError):
            arcsine_limits(1.2, 10, Z95)


class TestNormalAndExact:
    def test_normal_approximation_vector(self):
        assert r4(normal_limits(0.75, 100, Z998)) == (0.6162, 0.8838)
        assert r4(normal_limits(0.75, 100, Z95)) == (0.6651, 0.8349)

    def test_exact_binomial_vector(self):
        got = [round(exact_binomial_limit(0.75, 100, q), 4) for q in (0.001, 0.025, 0.975, 0.999)]
        assert got == [0.6044, 0.6577, 0.8276, 0.8704]

    def test_exact_limits_from_z(self):
        assert r4(exact_binomial_limits(0.75, 100, Z95)) == (0.6577, 0.8276)
        assert r4(exact_binomial_limits(0.75, 100, Z998)) == (0.6044, 0.8704)

    def test_exact_rounds_fractional_denominators_half_up(self):
        assert r4(exact_binomial_limits(0.75, 99.5, Z95)) == r4(exact_binomial_limits(0.75, 100, Z95))

    def test_exact_at_the_edges_of_the_target(self):
        assert exact_binomial_limit(0.0, 50, 0.999) == 0.0
        assert 0.0 <= exact_binomial_limit(1.0, 50, 0.001) <= 1.0
        assert math.isnan(exact_binomial_limit(0.5, 0, 0.5))

    def test_exact_limit_never_crosses_the_target(self):
        assert exact_binomial_limit(0.999, 1, 0.975) < 0.98  # the raw interpolation falls below 0.999
        low, high = exact_binomial_limits(0.999, 1, Z95)
        assert high == 0.999 and low <= 0.999

    def test_dispatch(self):
        assert r4(proportion_limits(0.75, 100, Z95, method="normal")) == (0.6651, 0.8349)
        assert r4(proportion_limits(0.75, 100, Z95, method="exact")) == (0.6577, 0.8276)
        with pytest.raises(ValueError, match="adjusted"):
            proportion_limits(0.75, 100, Z95, method="exact", tau2=0.01)
        with pytest.raises(ValueError, match="method"):
            proportion_limits(0.75, 100, Z95, method="poisson")


class TestStandardisedRatio:
    def test_exact_poisson_at_e_100(self):
        assert r4(poisson_ratio_limits(100, Z95)) == (0.8136, 1.2163)
        assert r4(poisson_ratio_limits(100, Z998)) == (0.7192, 1.3492)

    def test_shmi_adjusted_at_e_100(self):
        tau2 = 0.0194775306  # 0.019478 to 6 dp; the rounded value moves the 4th dp of the 95% upper limit
        assert r4(shmi_adjusted_limits(100, Z95, tau2)) == (0.7143, 1.4000)
        assert r4(shmi_adjusted_limits(100, Z998, tau2)) == (0.5883, 1.6999)
