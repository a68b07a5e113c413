"""p-chart and Laney p′-chart, hand-worked (qicharts2 ``qic.p`` / ``qic.pprime``)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cancerwatch.analytics.spc.pcharts import laney_p_chart, laney_sigma_z, p_chart, pooled_proportion


class TestPChart:
    def test_limits_three_binomial_sigmas(self):
        c = p_chart([10, 20, 30], [100, 100, 100])  # p̄ 0.2, σ 0.04
        assert c.centre.tolist() == pytest.approx([0.2] * 3)
        assert c.sigma == pytest.approx([0.04] * 3)
        assert c.lcl == pytest.approx([0.08] * 3)
        assert c.ucl == pytest.approx([0.32] * 3)
        assert c.lower_warning == pytest.approx([0.12] * 3)
        assert c.outside.tolist() == [0, 0, 0]
        assert c.sigma_z is None

    def test_limits_depend_on_each_denominator(self):
        c = p_chart([10, 100], [100, 400])  # p̄ = 110/500 = 0.22
        assert c.sigma[0] == pytest.approx(math.sqrt(0.22 * 0.78 / 100))
        assert c.sigma[1] == pytest.approx(math.sqrt(0.22 * 0.78 / 400))

    def test_limits_clipped_to_unit_range(self):
        c = p_chart([1, 0, 1], [5, 5, 5])
        assert (c.lcl >= 0).all() and (c.ucl <= 1).all()
        assert c.lcl.tolist() == [0.0, 0.0, 0.0]

    def test_large_denominators_flag_most_months(self):
        c = p_chart([7000, 7300, 6900, 7200], [10000] * 4)  # limits 0.6964 – 0.7236
        assert c.outside.tolist() == [0, 1, -1, 0]

    def test_zero_denominator_is_never_flagged(self):
        c = p_chart([10, 0, 30], [100, 0, 100])
        assert math.isnan(c.p[1]) and math.isnan(c.ucl[1]) and c.outside[1] == 0
        assert c.to_rows()[1]["p"] is None

    def test_baseline_points_fix_the_centre(self):
        assert pooled_proportion([10, 20, 90], [100, 100, 100], baseline_points=2) == pytest.approx(0.15)

    def test_half_patients_are_accepted(self):
        c = p_chart([10.5, 20], [40.5, 50])
        assert c.p[0] == pytest.approx(10.5 / 40.5)

    @pytest.mark.parametrize(("x", "n"), [([5], [4]), ([-1], [4]), ([1, 2], [3]), ([], [])])
    def test_bad_counts_are_refused(self, x, n):
        with pytest.raises(ValueError):
            p_chart(x, n)


class TestLaney:
    def test_hand_worked_sigma_z(self):
        c = laney_p_chart([10, 20, 30], [100, 100, 100])  # z = −2.5, 0, 2.5
        assert c.sigma_z == pytest.approx(2.5 / 1.128)
        assert c.ucl[0] == pytest.approx(0.2 + 3 * 0.04 * 2.5 / 1.128)
        assert c.lcl[0] == 0.0  # 0.2 − 0.266 clipped

    def test_overdispersed_months_no_longer_all_flagged(self):
        c = laney_p_chart([7000, 7300, 6900, 7200], [10000] * 4)
        assert c.sigma_z > 5
        assert c.outside.tolist() == [0, 0, 0, 0]

    def test_sigma_z_of_one_is_the_p_chart(self):
        assert laney_sigma_z([0, 1.128, 0]) == pytest.approx(1.0)

    def test_sigma_z_screening_drops_large_moving_ranges(self):
        z = [0, 1, 0, 1, 0, 10]  # moving ranges 1,1,1,1,10: mean 2.8, 10 ≥ 3.267 × 2.8
        assert laney_sigma_z(z) == pytest.approx(2.8 / 1.128)
        assert laney_sigma_z(z, screen=True) == pytest.approx(1 / 1.128)

    def test_sigma_z_skips_undefined_points_and_needs_two(self):
        assert laney_sigma_z([0, np.nan, 1.128]) == pytest.approx(1.0)
        assert math.isnan(laney_sigma_z([1.0]))
