"""The NHS Workforce Statistics reader on hand-made workbooks."""

from __future__ import annotations

from datetime import date

import pytest

from cancerwatch.errors import InputError
from cancerwatch.indicator_queries import indicator_metrics, staff_in_post
from cancerwatch.ingest.load import load_files, parse_file
from cancerwatch.workforce_queries import workforce
from tests.conftest import DATA
from tests.unit.ingest.workforce_workbook import write_workforce

MAY = date(2025, 5, 1)


def _fte(con, level, code, group="total", month=MAY):
    return con.execute(
        """SELECT fte FROM workforce_staff WHERE org_level = ? AND org_code = ? AND staff_group = ? AND period = ?
             AND superseded_by IS NULL""",
        [level, code, group, month],
    ).fetchone()[0]


def test_reads_the_tables_by_content(tmp_path, empty_warehouse):
    path = write_workforce(tmp_path / "wf.xlsx")
    parsed = parse_file(path)
    assert parsed.kind == "nhs_workforce_statistics"
    # Tables 2 and 3: England, 2 regions, 2 ICSs, 4 organisations = 9 rows each; Table 1: 27 groups x 2
    assert (parsed.rows_read, len(parsed.rejections)) == (9 * 2 + 27 * 2, 0)
    load_files(empty_warehouse, [path])
    # RJ1: consultants 100.5 + nurses 300.25; RJZ 80 + 12; the ICB body 20; REN 30 + 55.5
    assert _fte(empty_warehouse, "organisation", "RJ1") == 400.75
    assert _fte(empty_warehouse, "icb", "QKK") == 400.75 + 92.0 + 20.0
    assert _fte(empty_warehouse, "national", "ENG") == 400.75 + 92.0 + 20.0 + 85.5
    assert _fte(empty_warehouse, "national", "ENG", "consultant") == 210.5
    # the earlier months of Table 1: one FTE less a month
    assert _fte(empty_warehouse, "national", "ENG", "consultant", date(2024, 6, 1)) == 210.5 - 11
    # '-' is zero
    assert _fte(empty_warehouse, "organisation", "RJ1", "midwives") == 0.0


def test_fte_that_does_not_add_up_to_its_ics_refuses_the_table(tmp_path):
    def edit(measure, body):
        if measure == "fte":
            row = next(r for r in body if r and r[5] == "RJZ")
            row[6 + 3] = 81.0  # Consultant: 80 (and the parents with it, so the row itself is consistent)
            row[6 + 2] += 1.0
            row[6 + 1] += 1.0
            row[6] += 1.0

    with pytest.raises(InputError) as err:
        parse_file(write_workforce(tmp_path / "sum.xlsx", edit=edit))
    assert err.value.reason.startswith("Total FTE of QKK is 512.75000 but the rows below it add up to 513.75000")
    assert err.value.sheet == "3. NHSE, Org & SG - FTE"


def test_row_whose_groups_do_not_add_up_is_quarantined_then_the_table_refused(tmp_path):
    def edit(measure, body):
        if measure == "fte":
            next(r for r in body if r and r[5] == "REN")[6 + 3] = 31.0  # consultants, but not their parents

    with pytest.raises(InputError, match=r"QYG has no rows below it \(1 row quarantined\): table refused"):
        parse_file(write_workforce(tmp_path / "groups.xlsx", edit=edit))


def test_bad_headcount_cell_is_quarantined_and_the_rest_loads(tmp_path, empty_warehouse):
    def edit(measure, body):
        if measure == "headcount":
            next(r for r in body if r and r[5] == "REN")[6] = "n/a"

    parsed = parse_file(write_workforce(tmp_path / "hc.xlsx", edit=edit))
    assert [(r.sheet, r.reason) for r in parsed.rejections] == [
        ("2. NHSE, Org & SG - HEA", "Total 'n/a' is not a number")
    ]
    assert parsed.rows_read == parsed.rows_loaded + 1


def test_table_one_that_disagrees_with_the_organisation_table_refuses_the_file(tmp_path):
    def edit(measure, rows):
        if measure == "england":
            fte = rows.index(["FULL TIME EQUIVALENT (FTE)"])
            rows[fte + 4][-2] += 0.5  # Consultant, the latest month

    with pytest.raises(InputError, match=r"Table 1 gives England Consultant fte 211\.0 for May 2025"):
        parse_file(write_workforce(tmp_path / "t1.xlsx", edit=edit))


def test_later_month_supersedes_the_england_series_whatever_the_order(tmp_path, empty_warehouse):
    june = write_workforce(tmp_path / "june.xlsx", month="June 2025", month_end="2025-06-30")
    may = write_workforce(tmp_path / "may.xlsx")
    load_files(empty_warehouse, [june])
    load_files(empty_warehouse, [may])
    # May 2025 in the June file's series is 210.5 - 1; the May file's own figure (210.5) is older
    assert _fte(empty_warehouse, "national", "ENG", "consultant") == 209.5
    kept = empty_warehouse.execute(
        """SELECT fte FROM workforce_staff WHERE org_level = 'national' AND staff_group = 'consultant'
             AND period = ? AND superseded_by IS NOT NULL""",
        [MAY],
    ).fetchall()
    assert kept == [(210.5,)]


def test_feeds_the_fte_in_post_indicators_and_rolls_trusts_up_to_their_alliance(tmp_path, empty_warehouse):
    load_files(empty_warehouse, [*sorted(DATA.glob("geo/*.csv")), write_workforce(tmp_path / "wf.xlsx")])
    rj1 = indicator_metrics(empty_warehouse, "consultant_fte", "provider", "RJ1")
    assert [(r["period_label"], r["value"]) for r in rj1] == [("2025-05", 100.5)]
    assert staff_in_post(empty_warehouse, "consultant_fte", "RJ1") == 100.5
    # South East London Alliance (E56000010): RJ1 and RJZ, not the ICB's own staff
    alliance = indicator_metrics(empty_warehouse, "consultant_fte", "alliance", "E56000010")
    assert [(r["value"], r["aggregated"]) for r in alliance] == [(180.5, True)]
    rows = {r["staff_group"]: r for r in workforce(empty_warehouse, "E56000010", level="alliance")}
    assert rows["consultant"]["fte"] == 180.5 and rows["consultant"]["headcount"] is None
    icb = {r["staff_group"]: r for r in workforce(empty_warehouse, "QKK", level="icb")}
    assert icb["total"]["fte"] == 512.75 and icb["total"]["headcount"] is not None
