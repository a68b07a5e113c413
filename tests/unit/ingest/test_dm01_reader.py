"""The DM01 reader on hand-made workbooks: layout found by content, checks, quarantine, vintages."""

from __future__ import annotations

from datetime import date

import pytest

from cancerwatch.errors import InputError
from cancerwatch.ingest.load import load_files, parse_file
from tests.unit.ingest.dm01_workbook import Figures, Provider, two_providers, write_dm01

JULY = date(2025, 7, 1)


def _facts(con, test="all"):
    return {
        r[0]: r[1:]
        for r in con.execute(
            """SELECT org_code, waiting_list, waiting_6plus, waiting_13plus, planned_activity, unscheduled_activity,
                      waiting_list_activity FROM diagnostics_facts
               WHERE test = ? AND superseded_by IS NULL ORDER BY org_code""",
            [test],
        ).fetchall()
    }


def test_reads_both_sheets_with_hand_worked_totals(tmp_path, empty_warehouse):
    path = write_dm01(tmp_path / "dm01.xlsx", two_providers())
    parsed = parse_file(path)
    assert parsed.kind == "dm01"
    assert parsed.months == [JULY]
    # 2 provider rows + 3 provider x test rows; the Total rows are checks, not data
    assert (parsed.rows_read, parsed.rows_loaded, len(parsed.rejections)) == (5, 5, 0)
    load_files(empty_warehouse, [path])
    # RF4: MRI bands 10+8+6+5+4+3+2+2+1+1+0+0+0+1 = 43 (6+: 2+2+1+1+1 = 7; 13+: 1), CT 23 (6+: 1)
    assert _facts(empty_warehouse)["RF4"] == (66, 8, 1, 8, 42, 62)
    assert _facts(empty_warehouse, "mri")["RF4"] == (43, 7, 1, 5, 12, 40)
    assert _facts(empty_warehouse, "ct")["RF4"] == (23, 1, 0, 3, 30, 22)
    assert _facts(empty_warehouse, "colonoscopy")["NT405"] == (7, 1, 0, 0, 0, 9)


def test_header_found_below_inserted_rows_and_with_columns_reordered(tmp_path, empty_warehouse):
    width = 4 + 4 + 14 + 1 + 3
    order = [3, 2, 1, 0, *range(width - 1, 3, -1)]  # names first, then every count column reversed
    path = write_dm01(tmp_path / "moved.xlsx", two_providers(), rows_above=3, provider_order=order)
    load_files(empty_warehouse, [path])
    assert _facts(empty_warehouse)["RF4"] == (66, 8, 1, 8, 42, 62)
    assert _facts(empty_warehouse)["NT405"] == (7, 1, 0, 0, 0, 9)


def test_bad_row_is_quarantined_with_file_row_column_and_reason(tmp_path, empty_warehouse):
    def edit(sheet, body):
        if sheet == "Provider by Test":
            ct = next(r for r in body if r and r[5] == "Computed Tomography")
            ct[7] = "lots"  # Number waiting 6+ Weeks

    path = write_dm01(tmp_path / "bad.xlsx", two_providers(), edit=edit)
    parsed = parse_file(path)
    assert (parsed.rows_read, parsed.rows_loaded, len(parsed.rejections)) == (5, 4, 1)
    bad = parsed.rejections[0]
    # title block 11 rows, the group header, the header (13), Total (14), blank, RF4 MRI (16), RF4 CT (17)
    assert (bad.sheet, bad.row_number, bad.column) == ("Provider by Test", 17, "Number waiting 6+ Weeks")
    assert bad.reason == "Number waiting 6+ Weeks 'lots' is not a number"
    load_files(empty_warehouse, [path])
    q = empty_warehouse.execute("SELECT file_name, sheet, row_number, column_name, reason FROM quarantine").fetchall()
    assert q == [("bad.xlsx", "Provider by Test", 17, "Number waiting 6+ Weeks", bad.reason)]
    assert "ct" not in {r[0] for r in empty_warehouse.execute("SELECT test FROM diagnostics_facts").fetchall()}


def test_row_whose_bands_do_not_add_up_is_quarantined(tmp_path):
    def edit(sheet, body):
        if sheet == "Provider by Test":
            mri = next(r for r in body if r and r[5] == "Magnetic Resonance Imaging")
            mri[6] = 44  # Total Waiting List: the bands add up to 43

    parsed = parse_file(write_dm01(tmp_path / "bands.xlsx", two_providers(), edit=edit))
    assert [(r.row_number, r.column, r.reason) for r in parsed.rejections] == [
        (16, "Total Waiting List", "the weekly bands add up to 43, not 44")
    ]


def test_unknown_test_is_quarantined(tmp_path):
    def edit(sheet, body):
        if sheet == "Provider by Test":
            next(r for r in body if r and r[5] == "Colonoscopy")[5] = "Capsule endoscopy"

    parsed = parse_file(write_dm01(tmp_path / "test.xlsx", two_providers(), edit=edit))
    assert [r.reason for r in parsed.rejections] == ["not a DM01 test in the catalogue: 'Capsule endoscopy'"]


def test_total_row_that_disagrees_refuses_the_month(tmp_path):
    wrong = Figures([13, 14, 12, 9, 4, 3, 4, 2, 1, 1, 0, 0, 0, 1], 8, 42, 71)  # waiting list 64, not 73
    path = write_dm01(tmp_path / "total.xlsx", two_providers(), england_total=wrong)
    with pytest.raises(InputError) as err:
        parse_file(path)
    assert str(err.value) == (
        "total.xlsx, sheet 'Provider', row 14, column 'Total Waiting List': England waiting list from the "
        "provider rows is 73 but the 'Total' row says 64: July 2025 refused"
    )


def test_provider_tests_that_do_not_add_up_to_its_total_refuse_the_month(tmp_path):
    def edit(sheet, body):
        if sheet == "Provider by Test":
            mri = next(r for r in body if r and r[2] == "RF4" and r[5] == "Magnetic Resonance Imaging")
            mri[-1] = 39  # waiting-list tests: 39 + CT 22 = 61, but RF4's Total row (and "Provider") say 62

    with pytest.raises(InputError) as err:
        parse_file(write_dm01(tmp_path / "sum.xlsx", two_providers(), edit=edit))
    assert err.value.reason == (
        "RF4's tests add up to 61 waiting list activity but its 'Total' row says 62: July 2025 refused"
    )


def test_provider_total_that_differs_from_its_provider_row_refuses_the_month(tmp_path):
    def edit(sheet, body):
        if sheet == "Provider":
            next(r for r in body if r and r[2] == "NT405")[-1] = 8  # tests say 9
            body[0][-1] = 70  # and England with it, so that only the cross-sheet check can catch it

    with pytest.raises(InputError, match="NT405's 'Total' row does not match its row in 'Provider'"):
        parse_file(write_dm01(tmp_path / "cross.xlsx", two_providers(), edit=edit))


def test_a_commissioner_based_file_is_refused(tmp_path):
    with pytest.raises(InputError, match="only the provider-based DM01 file is supported"):
        parse_file(write_dm01(tmp_path / "comm.xlsx", two_providers(), basis="Commissioner"))


def test_later_vintage_supersedes_whatever_the_load_order(tmp_path, empty_warehouse):
    first = write_dm01(tmp_path / "first.xlsx", two_providers())
    revised_providers = two_providers()
    revised_providers[1].tests["Colonoscopy"] = Figures([3, 2, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0], 0, 0, 10)
    revised = write_dm01(tmp_path / "revised.xlsx", revised_providers, revised="10th July 2026")
    load_files(empty_warehouse, [revised])  # the revision first ...
    load_files(empty_warehouse, [first])  # ... then the first publication: stored already superseded
    assert _facts(empty_warehouse)["NT405"] == (8, 1, 0, 0, 0, 10)
    old = empty_warehouse.execute(
        """SELECT d.waiting_list, s.file_name FROM diagnostics_facts d JOIN sources s ON s.source_id = d.superseded_by
           WHERE d.org_code = 'NT405' AND d.test = 'all'"""
    ).fetchall()
    assert old == [(7, "revised.xlsx")]


def test_earlier_vintage_is_superseded_when_the_revision_arrives(tmp_path, empty_warehouse):
    load_files(empty_warehouse, [write_dm01(tmp_path / "first.xlsx", two_providers())])
    providers = two_providers()
    providers[0].tests["Computed Tomography"].planned = 4
    result = load_files(empty_warehouse, [write_dm01(tmp_path / "rev.xlsx", providers, revised="1st January 2026")])
    assert result[0].superseded == 5  # every row of the month
    assert _facts(empty_warehouse, "ct")["RF4"][3] == 4


def test_two_files_of_the_same_date_for_a_month_are_refused(tmp_path, empty_warehouse):
    load_files(empty_warehouse, [write_dm01(tmp_path / "a.xlsx", two_providers())])
    other = two_providers()[:1]
    with pytest.raises(
        InputError, match=r"of the same date .* already loaded from a\.xlsx: cannot tell which is current"
    ):
        load_files(empty_warehouse, [write_dm01(tmp_path / "b.xlsx", other)])


def test_independent_provider_is_named_and_placed_in_its_dm01_region(tmp_path, empty_warehouse):
    from tests.conftest import DATA

    providers = [*two_providers(), Provider("NEY", "Pioneer Healthcare Limited", "Y59", "South East", {})]
    providers[2].tests["Cystoscopy"] = Figures([1] * 14)
    load_files(empty_warehouse, [*sorted(DATA.glob("geo/*.csv")), write_dm01(tmp_path / "p.xlsx", providers)])
    names = dict(
        empty_warehouse.execute("SELECT org_code, org_name FROM organisations WHERE org_type = 'provider'").fetchall()
    )
    assert names["NT405"] == "Bishops Wood Hospital"
    assert names["RF4"] == "BARKING, HAVERING AND REDBRIDGE UNIVERSITY HOSPITALS NHS TRUST"  # the ODS trust file wins
    rollup = empty_warehouse.execute(
        "SELECT org_code, level, parent_code FROM org_rollup WHERE org_code IN ('NT405', 'NEY') ORDER BY 1, 2"
    ).fetchall()
    assert rollup == [("NEY", "region", "Y59"), ("NT405", "region", "Y56")]  # and no ICB or Alliance


@pytest.mark.parametrize(
    ("cell", "value"),
    [("0", 0), ("7", 7), (" 42 ", 42), ("0012", 12), ("9999999", 9_999_999), ("10000000", 10_000_000), ("1,234", 1234)],
)
def test_a_count_cell_reads_as_its_whole_number(cell, value):
    from cancerwatch.ingest.readers.dm01 import _count

    assert _count([cell], 0, "Total Waiting List") == value


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        (None, "Total Waiting List is empty"),
        ("10000001", "Total Waiting List 1e+07 is implausibly large"),
        ("12.5", "Total Waiting List 12.5 is not a whole number"),
        ("-3", "is not a count (negative or not a number)"),
        ("n/a", "Total Waiting List 'n/a' is not a number"),
    ],
)
def test_a_cell_that_is_not_a_count_names_why(cell, reason):
    from cancerwatch.ingest.readers.dm01 import RowProblem, _count

    with pytest.raises(RowProblem) as problem:
        _count([cell], 0, "Total Waiting List")
    assert reason in problem.value.reason
