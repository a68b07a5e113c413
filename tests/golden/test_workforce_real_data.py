"""NHS Workforce Statistics, May 2025, on the bundled file: England, trusts and roll-ups."""

from __future__ import annotations

from datetime import date

import fastexcel
import pytest

from cancerwatch.catalogue.workforce import staff_groups
from cancerwatch.indicator_queries import indicator_metrics
from cancerwatch.workforce_queries import performance_beside, workforce
from tests.conftest import WORKFORCE_FILE

MAY_2025 = date(2025, 5, 1)


def _table(name_start: str):
    reader = fastexcel.read_excel(str(WORKFORCE_FILE))
    sheet = next(s for s in reader.sheet_names if s.startswith(name_start))
    t = reader.load_sheet(sheet, header_row=None, dtypes="string").to_arrow()
    rows = [list(r) for r in zip(*[c.to_pylist() for c in t.columns], strict=True)]
    header = next(r for r in rows if "Organisation code" in r)
    return header, rows


def test_england_fte_equals_the_files_england_row(warehouse):
    header, rows = _table("3.")
    england = next(r for r in rows if r[1] == "England")
    got = {r["staff_group_name"].lower(): r["fte"] for r in workforce(warehouse, None, level="national")}
    for i, name in enumerate(header[6:], start=6):
        assert got[name.lower()] == pytest.approx(float(england[i]), abs=1e-9), name
    assert got["total"] == pytest.approx(1373862.75008, abs=1e-9)


def test_england_headcount_equals_the_files_england_row(warehouse):
    header, rows = _table("2.")
    england = next(r for r in rows if r[1] == "England")
    got = {r["staff_group_name"].lower(): r["headcount"] for r in workforce(warehouse, None, level="national")}
    assert got["total"] == float(england[header.index("Total")]) == 1540716


def test_a_trust_is_the_files_row(warehouse):
    """Guy's and St Thomas' (RJ1), hand-checked in Tables 2 and 3."""
    rows = {r["staff_group"]: r for r in workforce(warehouse, "RJ1")}
    assert rows["total"]["headcount"] == 23252 and rows["total"]["fte"] == pytest.approx(21698.10378)
    assert rows["consultant"]["headcount"] == 1561 and rows["consultant"]["fte"] == pytest.approx(1404.31591)
    assert rows["nurses_health_visitors"]["fte"] == pytest.approx(6321.61002)
    assert list(rows) == [g for g in staff_groups() if g in rows]  # published order


def test_england_series_goes_back_to_september_2009(warehouse):
    first = workforce(warehouse, None, level="national", month=date(2009, 9, 1))
    assert {r["staff_group"]: r["fte"] for r in first}["total"] == pytest.approx(1002298.10222)


def test_alliance_fte_is_the_sum_of_its_trusts(warehouse):
    """South East London Alliance (E56000010) is South East London ICB (QKK): its consultant FTE is
    the sum of the organisations the file lists under that ICS, less the ICB's own staff."""
    header, rows = _table("3.")
    start = next(i for i, r in enumerate(rows) if r[2] == "QKK")
    end = next(i for i in range(start + 1, len(rows)) if rows[i][2] or rows[i][0] or not rows[i][5])
    members = [r for r in rows[start + 1 : end] if r[5] != "QKK"]
    expected = sum(float(r[header.index("Consultant")]) for r in members)
    ind = indicator_metrics(warehouse, "consultant_fte", "alliance", "E56000010")
    assert ind[0]["value"] == pytest.approx(expected, abs=1e-6)
    rolled = {r["staff_group"]: r for r in workforce(warehouse, "E56000010", level="alliance")}
    assert rolled["consultant"]["fte"] == pytest.approx(expected, abs=1e-6)


def test_performance_beside_gives_the_same_month_only(warehouse):
    perf = {p["measure"]: p for p in performance_beside(warehouse, "RJ1", month=MAY_2025)}
    assert perf["dm01"]["denominator"] == 18616 and perf["dm01"]["met"] is False  # DM01 May 2025, sheet "Provider"
    assert {perf[s]["period_label"] for s in ("fds", "31d", "62d", "dm01")} == {"2025-05"}


def test_performance_beside_reads_the_rows_it_is_given(warehouse):
    """The read layer's kept rows give the same figures as the metric expression for one month."""
    from cancerwatch.queries import MetricQuery, metrics
    from cancerwatch.read.context import Reader
    from cancerwatch.read.figures import rows_of
    from cancerwatch.warehouse.pool import DictMemo

    reader = Reader(warehouse, cache=DictMemo())
    kept = performance_beside(warehouse, "RJ1", month=MAY_2025, fetch=lambda q: rows_of(reader, q))
    assert kept == performance_beside(warehouse, "RJ1", month=MAY_2025)
    one = metrics(warehouse, MetricQuery("fds", "provider", org="RJ1", date_from=MAY_2025, date_to=MAY_2025))
    fds = next(p for p in kept if p["measure"] == "fds")
    assert (fds["numerator"], fds["denominator"]) == (one[0]["within_standard"], one[0]["total"])
    assert fds["value"] is not None and fds["met"] == one[0]["met"]
