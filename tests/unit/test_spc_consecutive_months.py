"""SPC treats only consecutive months as consecutive: a series with gaps (an ICB's July 2021,
July 2022, then April 2023 on) is charted on its latest run of consecutive months."""

from __future__ import annotations

from datetime import date

from cancerwatch.periods import add_months
from cancerwatch.variation import latest_run, spc_or_note


def _row(month: date, performance: float | None) -> dict:
    return {
        "period_start": month.isoformat(),
        "period_label": f"{month:%Y-%m}",
        "performance": performance,
        "threshold": 0.75,
        "total": 100.0,
        "within_standard": None if performance is None else performance * 100,
    }


def _gappy() -> list[dict]:
    months = [date(2021, 7, 1), date(2022, 7, 1)] + [add_months(date(2023, 4, 1), i) for i in range(20)]
    return [_row(m, 0.70 + 0.01 * (i % 3)) for i, m in enumerate(months)]


def test_the_latest_run_starts_after_the_last_gap():
    run, gap_after = latest_run(_gappy())
    assert run[0]["period_start"] == "2023-04-01" and len(run) == 20
    assert gap_after == date(2022, 7, 1)


def test_a_series_without_gaps_is_one_run():
    rows = [_row(add_months(date(2023, 4, 1), i), 0.7) for i in range(5)]
    assert latest_run(rows) == (rows, None)


def test_months_without_a_figure_are_not_points_but_do_not_join_a_gap():
    rows = [_row(add_months(date(2023, 4, 1), i), 0.7) for i in range(6)]
    rows[2]["performance"] = None  # a month with no patients breaks the run
    run, gap_after = latest_run(rows)
    assert [r["period_start"] for r in run] == ["2023-07-01", "2023-08-01", "2023-09-01"]
    assert gap_after == date(2023, 5, 1)


def test_spc_of_a_gappy_series_covers_its_latest_run_and_says_so():
    view = spc_or_note("fds", _gappy())
    assert view.available
    assert view.points[0]["period_start"] == "2023-04-01" and len(view.points) == 20
    assert view.gap_note and "July 2022" in view.gap_note and "April 2023" in view.gap_note
    # the limits come from the 20 consecutive months only, never from 2021 or 2022
    assert view.summary[0]["start"] == "2023-04-01" and view.summary[-1]["n"] == 20


def test_spc_of_a_consecutive_series_has_no_gap_note():
    rows = [_row(add_months(date(2023, 4, 1), i), 0.7 + 0.01 * (i % 2)) for i in range(15)]
    view = spc_or_note("fds", rows)
    assert view.available and view.gap_note is None and len(view.points) == 15
