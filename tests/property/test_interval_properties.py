"""Wilson interval invariants (docs/statistics.md, Wilson interval): within [0, 1], contains p, 0 at x = 0."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cancerwatch.analytics.intervals import wilson_interval, wilson_intervals

# counts in halves, as the 62-day figures are published
halves = st.integers(min_value=1, max_value=2_000_000).map(lambda k: k / 2)


@st.composite
def counts(draw):
    n = draw(halves)
    x = draw(st.integers(min_value=0, max_value=int(n * 2))) / 2
    return x, n


@given(counts())
def test_interval_within_unit_range_and_contains_p(xn):
    x, n = xn
    low, high = wilson_interval(x, n)
    assert 0.0 <= low <= high <= 1.0
    assert low - 1e-12 <= x / n <= high + 1e-12


@given(halves)
def test_lower_bound_is_zero_when_no_successes(n):
    assert wilson_interval(0, n)[0] == 0.0


@given(st.lists(counts(), min_size=1, max_size=20))
def test_vectorised_agrees_with_scalar(pairs):
    low, high = wilson_intervals([p[0] for p in pairs], [p[1] for p in pairs])
    for i, (x, n) in enumerate(pairs):
        lo, hi = wilson_interval(x, n)
        assert abs(low[i] - lo) < 1e-12 and abs(high[i] - hi) < 1e-12
