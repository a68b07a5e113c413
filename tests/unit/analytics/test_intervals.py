"""Wilson interval against the reference values in docs/statistics.md, Wilson interval."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cancerwatch.analytics.intervals import Z95, wilson_interval, wilson_intervals

REFERENCE = [
    # x, n, low, high (docs/statistics.md, Wilson interval)
    (15375.5, 24371.5, 0.62480, 0.63692),  # 62-day, England, October 2023: half patients
    (45, 60, 0.62768, 0.84223),
    (0, 10, 0.0, 0.27753),
]


@pytest.mark.parametrize(("x", "n", "low", "high"), REFERENCE)
def test_reference_values(x, n, low, high):
    got = wilson_interval(x, n)
    assert got == pytest.approx((low, high), abs=5e-6)


def test_zero_successes_gives_exactly_zero_lower_bound():
    assert wilson_interval(0, 10)[0] == 0.0


def test_all_successes_gives_exactly_one_upper_bound():
    assert wilson_interval(10, 10)[1] == 1.0
    assert wilson_interval(7.5, 7.5)[1] == 1.0


def test_empty_denominator_is_nan():
    low, high = wilson_interval(0, 0)
    assert math.isnan(low) and math.isnan(high)


def test_default_z_is_95_percent():
    assert Z95 == 1.959964
    assert wilson_interval(45, 60) == wilson_interval(45, 60, z=1.959964)


def test_wider_for_higher_confidence():
    low95, high95 = wilson_interval(45, 60)
    low998, high998 = wilson_interval(45, 60, z=3.090232)
    assert low998 < low95 and high998 > high95


def test_vectorised_matches_scalar():
    xs = [r[0] for r in REFERENCE] + [5, 0]
    ns = [r[1] for r in REFERENCE] + [5, 0]
    low, high = wilson_intervals(xs, ns)
    for i, (x, n) in enumerate(zip(xs, ns, strict=True)):
        expected = wilson_interval(x, n)
        if n == 0:
            assert np.isnan(low[i]) and np.isnan(high[i])
        else:
            assert (low[i], high[i]) == pytest.approx(expected, abs=1e-15)


def test_vectorised_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="shape"):
        wilson_intervals([1, 2], [3])
