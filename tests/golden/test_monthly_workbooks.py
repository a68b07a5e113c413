"""The monthly CWT workbooks, end to end on the bundled files.

England is read from each workbook's own ALL ENGLISH rows by a plain scan of the cells here (not
by cancerwatch's reader) and compared with what cancerwatch computes from the organisation rows.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import fastexcel
import pytest

from cancerwatch.queries import MetricQuery, metrics
from tests.conftest import WORKBOOKS

PROVIDER_BOOKS = sorted(WORKBOOKS.glob("*PROVIDER-WORKBOOK*.xlsx"))
COMMISSIONER_BOOKS = sorted(WORKBOOKS.glob("*COMMISSIONER-WORKBOOK*.xlsx"))
MONTHS = {
    m: i
    for i, m in enumerate(
        (
            "JANUARY",
            "FEBRUARY",
            "MARCH",
            "APRIL",
            "MAY",
            "JUNE",
            "JULY",
            "AUGUST",
            "SEPTEMBER",
            "OCTOBER",
            "NOVEMBER",
            "DECEMBER",
        ),
        start=1,
    )
}
#: The sheet giving each standard's England total, and the cell text of the within column.
ENGLAND_SHEETS = {
    "fds": ("28-DAY FDS (ALL ROUTES)", "WITHIN 28 DAYS"),
    "31d": ("31-DAY (ALL CANCER)", "WITHIN 31 DAYS"),
    "62d": ("62-DAY (ALL CANCER)", "WITHIN 62 DAYS"),
    "usc_foa": ("USC referral to FOA", "WITHIN 14 DAYS"),
    "ubs_fha": ("UBS referral to FHA", "WITHIN 14 DAYS"),
}


def month_of(path: Path) -> date:
    name, year = path.name.split("-")[:2]
    return date(int(year), MONTHS[name], 1)


def england_row(path: Path, standard: str) -> tuple[Decimal, Decimal]:
    """(total, within) of England: the first ALL ENGLISH row of the all-routes / all-stages part,
    or the sum of the ALL ENGLISH rows where the sheet is by suspected cancer only."""
    sheet, within_name = ENGLAND_SHEETS[standard]
    data = fastexcel.read_excel(str(path)).load_sheet(sheet, header_row=None, dtypes="string").to_arrow()
    rows = list(zip(*[c.to_pylist() for c in data.columns], strict=True))
    header = next(r for r in rows if any((c or "").startswith("ODS CODE") for c in r))
    total_at = header.index("TOTAL")
    within_at = next(i for i, c in enumerate(header) if (c or "").strip() == within_name)
    england = [r for r in rows if any((c or "").startswith("ALL ENGLISH") for c in r)]
    if standard in ("usc_foa", "ubs_fha"):
        return sum(Decimal(r[total_at]) for r in england), sum(Decimal(r[within_at]) for r in england)
    return Decimal(england[0][total_at]), Decimal(england[0][within_at])


def rewrite(source: Path, target: Path, *, shift_rows=0, shift_cols=0, rename=False, edit=None) -> Path:
    """Copy a workbook cell by cell (numbers stay numbers), optionally moving every measure sheet's
    cells down and right, renaming the sheets, or editing a sheet's rows first."""
    import xlsxwriter

    reader = fastexcel.read_excel(str(source))
    book = xlsxwriter.Workbook(str(target), {"strings_to_numbers": True})
    for i, name in enumerate(reader.sheet_names):
        data = reader.load_sheet(name, header_row=None, dtypes="string").to_arrow()
        rows = [list(r) for r in zip(*[c.to_pylist() for c in data.columns], strict=True)]
        if edit:
            edit(name, rows)
        front = name == "Frontpage"
        sheet = book.add_worksheet(name if front or not rename else f"Sheet {i}")
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value not in (None, ""):
                    sheet.write(r + (0 if front else shift_rows), c + (0 if front else shift_cols), value)
    book.close()
    return target


@pytest.mark.parametrize("book", PROVIDER_BOOKS + COMMISSIONER_BOOKS, ids=lambda p: p.name[:30])
def test_england_equals_every_workbook_england_row(warehouse, book):
    basis = "provider" if "PROVIDER" in book.name else "commissioner"
    month = month_of(book)
    for standard in ENGLAND_SHEETS:
        [row] = metrics(
            warehouse,
            MetricQuery(standard, "national", "month", date_from=month, date_to=month, basis=basis),
        )
        total, within = england_row(book, standard)
        assert (Decimal(str(row["total"])), Decimal(str(row["within_standard"]))) == (total, within), standard


def test_twenty_eight_consecutive_months_at_every_level(warehouse):
    months = [f"{y}-{m:02d}-01" for y in (2023, 2024, 2025) for m in range(1, 13)]
    expected = [m for m in months if "2023-04-01" <= m <= "2025-07-01"]
    assert len(expected) == 28
    for level in ("national", "region", "alliance", "icb", "provider"):
        rows = metrics(warehouse, MetricQuery("62d", level, "month", date_from=date(2023, 4, 1)))
        assert sorted({r["period_start"] for r in rows}) == expected, level


def test_a_provider_reads_as_published(warehouse):
    """Airedale (RCF), July 2025, hand-read from the provider workbook: FDS 759 told, 623 within
    28 days; 62-day 106 treated, 92.5 within 62 days (a shared pathway counts a half)."""
    july = date(2025, 7, 1)
    fds = metrics(warehouse, MetricQuery("fds", "provider", "month", "RCF", date_from=july, date_to=july))
    d62 = metrics(warehouse, MetricQuery("62d", "provider", "month", "RCF", date_from=july, date_to=july))
    assert (fds[0]["total"], fds[0]["within_standard"]) == (759, 623)
    assert (d62[0]["total"], d62[0]["within_standard"]) == (106, 92.5)


def test_an_unseen_layout_of_the_same_format_reads_the_same(tmp_path, empty_warehouse):
    """Rows inserted above every title block, a column inserted before the data and the sheets
    renamed: the layout is found by content, so the file reads exactly as the original does."""
    from cancerwatch.ingest.load import load_files, parse_file

    original = WORKBOOKS / "MARCH-2025-CWT-CRS-PROVIDER-WORKBOOK-FINAL.xlsx"
    moved = rewrite(original, tmp_path / "march-2025-moved.xlsx", shift_rows=2, shift_cols=1, rename=True)
    before, after = parse_file(original), parse_file(moved)
    assert after.rows_read == before.rows_read and not after.rejections
    assert after.facts.sort_by([(c, "ascending") for c in ("standard", "org_code", "breakdown")]).equals(
        before.facts.sort_by([(c, "ascending") for c in ("standard", "org_code", "breakdown")])
    )
    load_files(empty_warehouse, [*sorted((WORKBOOKS.parent.parent / "geo").glob("*.csv")), moved])
    march = date(2025, 3, 1)
    for standard in ENGLAND_SHEETS:
        [row] = metrics(empty_warehouse, MetricQuery(standard, "national", "month", date_from=march, date_to=march))
        assert (Decimal(str(row["total"])), Decimal(str(row["within_standard"]))) == england_row(original, standard)


def test_a_month_whose_rows_do_not_add_up_to_england_is_refused(tmp_path, empty_warehouse):
    from cancerwatch.errors import InputError
    from cancerwatch.ingest.load import load_files

    def one_more(sheet: str, rows: list[list]) -> None:
        if sheet != "62-DAY (ALL CANCER)":
            return
        row = next(r for r in rows[9:] if r[1] and r[1] != "ODS CODE (1)")
        for i in (5, 7, len(row) - 1):  # TOTAL, AFTER and the last band: the row itself stays consistent
            row[i] = str(float(row[i]) + 1)

    bad = rewrite(WORKBOOKS / "MARCH-2025-CWT-CRS-PROVIDER-WORKBOOK-FINAL.xlsx", tmp_path / "bad.xlsx", edit=one_more)
    with pytest.raises(InputError, match=r"England check failed .* the month is refused"):
        load_files(empty_warehouse, [bad])
    assert empty_warehouse.execute("SELECT count(*) FROM sources").fetchone()[0] == 0


def test_wait_distribution_as_published(warehouse):
    """Airedale (RCF), FDS, July 2025, from the workbook's row: 414 told within 14 days, 209 in 15
    to 28, 86 in 29 to 42, 37 in 43 to 62, 13 after 62 days."""
    from cancerwatch.wait_queries import WaitQuery, wait_distribution

    july = date(2025, 7, 1)
    rows = wait_distribution(warehouse, WaitQuery("fds", "provider", "RCF", date_from=july, date_to=july))
    assert [(r["band"], r["patients"]) for r in rows] == [
        ("within 14 days", 414),
        ("15 to 28 days", 209),
        ("29 to 42 days", 86),
        ("43 to 62 days", 37),
        ("after 62 days", 13),
    ]
    assert sum(r["share"] for r in rows) == pytest.approx(1)


def test_treated_after_104_days_equals_the_england_row(warehouse):
    """England, 62 days, every workbook month: the bands add up to the ALL ENGLISH total and the
    last band (after 104 days) is the ALL ENGLISH row's, read here from the sheet itself."""
    from cancerwatch.wait_queries import WaitQuery, wait_distribution

    for book in PROVIDER_BOOKS:
        month = month_of(book)
        data = fastexcel.read_excel(str(book)).load_sheet("62-DAY (ALL CANCER)", header_row=None, dtypes="string")
        rows = list(zip(*[c.to_pylist() for c in data.to_arrow().columns], strict=True))
        header = next(r for r in rows if any((c or "").startswith("ODS CODE") for c in r))
        england = next(r for r in rows if any((c or "").startswith("ALL ENGLISH") for c in r))
        bands = wait_distribution(warehouse, WaitQuery("62d", date_from=month, date_to=month))
        assert sum(Decimal(str(r["patients"])) for r in bands) == Decimal(england[header.index("TOTAL")])
        assert Decimal(str(bands[-1]["over_104_days"])) == Decimal(england[header.index("AFTER 104 DAYS")])
