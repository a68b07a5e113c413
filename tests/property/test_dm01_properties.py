"""DM01 rules on random rows (Hypothesis): a row consistent with its weekly bands is accepted, any
single count out of line with them is quarantined; the lower-is-better rule is monotone."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cancerwatch.catalogue.diagnostics import meets
from cancerwatch.ingest.readers.dm01 import Layout, RowProblem, _check_row

HEADER = ["Total Waiting List", "Number waiting 6+ Weeks", "Number waiting 13+ Weeks", "Percentage waiting 6+ weeks"]
BAND_NAMES = [f"{i:02d} <{i + 1:02d} weeks" for i in range(13)] + ["13+ weeks"]
LAYOUT = Layout(
    header_row=0,
    columns={"waiting_list": 0, "waiting_6plus": 1, "waiting_13plus": 2, "share_6plus": 3},
    bands=[(i, i + 1 if i < 13 else None, 4 + i) for i in range(14)],
    header=HEADER + BAND_NAMES,
)
bands = st.lists(st.integers(0, 5000), min_size=14, max_size=14)


def _row(b: list[int]) -> tuple[list, tuple[int, ...]]:
    wl, w6, w13 = sum(b), sum(b[6:]), b[13]
    return [str(wl), str(w6), str(w13), str(w6 / wl if wl else 0), *map(str, b)], (wl, w6, w13, 0, 0, 0)


@given(bands)
def test_a_row_consistent_with_its_bands_is_accepted(b):
    row, values = _row(b)
    _check_row(row, LAYOUT, values)


@given(bands, st.sampled_from([0, 1, 2]), st.integers(1, 50))
def test_a_count_out_of_line_with_the_bands_is_refused(b, which, delta):
    row, values = _row(b)
    changed = list(values)
    changed[which] += delta
    row[which] = str(changed[which])
    with pytest.raises(RowProblem):
        _check_row(row, LAYOUT, tuple(changed))


@given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1))
def test_lower_is_better_is_monotone(share, lower, threshold):
    if meets(share, threshold, "decrease") and lower <= share:
        assert meets(lower, threshold, "decrease")
