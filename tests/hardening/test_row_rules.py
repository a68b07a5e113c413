"""Rows that would be misread are quarantined or refused with their reason (issue 20, Medium 4 and
9, Low): extra fields, dates outside the CWT window, future months, PERIOD against YEAR/MONTH,
counts that are not plain numbers, repeated columns, unclosed quotes, NUL bytes in codes.

Each expected reason is written from the rule, not from the code's output.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pytest
import xlsxwriter

from cancerwatch.errors import InputError
from cancerwatch.ingest.load import load_files
from cancerwatch.ingest.values import ValueProblem, parse_count
from tests.conftest import DATA
from tests.unit.ingest.conftest import PROVIDER_HEADER, provider_row, write_csv


def _reasons(con) -> list[tuple]:
    return con.execute("SELECT row_number, column_name, reason FROM quarantine ORDER BY row_number").fetchall()


def _load_one(con, path: Path):
    [r] = load_files(con, [path])
    assert r.rows_read == r.rows_loaded + r.rows_quarantined
    return r


def test_a_row_with_more_fields_than_the_header_is_quarantined(empty_warehouse, tmp_path):
    path = tmp_path / "extra.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(PROVIDER_HEADER)
        w.writerow(provider_row(org="RAE"))
        w.writerow([*provider_row(org="RBK"), "surplus", "values"])
        w.writerow([*provider_row(org="RCB"), "", ""])  # trailing empty fields carry nothing: loaded
    r = _load_one(empty_warehouse, path)
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (3, 2, 1)
    assert _reasons(empty_warehouse) == [(3, None, "the row has 13 values but the header has 11 columns")]


@pytest.mark.parametrize(
    ("period", "reason"),
    [
        ("2009-09-01", "PERIOD 2009-09 is before October 2009, when the national CWT series began"),
        ("2005-04-01", "PERIOD 2005-04 is before October 2009"),
        ("2099-01-01", "PERIOD 2099-01 is a future month"),
        ("1900-01-01", "PERIOD 1900-01-01 is outside the range of CWT data"),
        ("9999-12-01", "PERIOD 9999-12-01 is outside the range of CWT data"),
    ],
)
def test_months_outside_the_cwt_window_are_quarantined(empty_warehouse, tmp_path, period, reason):
    path = write_csv(tmp_path / "w.csv", [provider_row(org="RAE"), provider_row(period=period)])
    r = _load_one(empty_warehouse, path)
    assert (r.rows_loaded, r.rows_quarantined) == (1, 1)
    [(row, column, text)] = _reasons(empty_warehouse)
    assert (row, column) == (3, "PERIOD") and text.startswith(reason), text
    assert [str(m) for m in r.months] == ["2023-04"]


def test_the_first_and_current_months_are_in_the_window(empty_warehouse, tmp_path):
    this_month = date.today().replace(day=1).isoformat()
    path = write_csv(tmp_path / "edges.csv", [provider_row(period="2009-10-01"), provider_row(period=this_month)])
    assert _load_one(empty_warehouse, path).rows_quarantined == 0


def test_a_future_month_in_a_workbook_is_quarantined(empty_warehouse, tmp_path):
    """Dates read as Excel dates go through the vectorised checks: they apply the same window."""
    path = tmp_path / "future.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("CWT CRS Provider Extract")
    ws.write_row(0, 0, PROVIDER_HEADER)
    fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for i, (when, year, month) in enumerate(
        [(date(2023, 4, 1), "2023/24", "APR"), (date(2099, 4, 1), "2099/00", "APR")]
    ):
        row = provider_row(org=f"R{i}X")
        ws.write_datetime(i + 1, 0, datetime(when.year, when.month, 1), fmt)
        ws.write_row(i + 1, 1, [year, month, *row[3:8]])
        ws.write_row(i + 1, 8, [10, 7, 3])
    wb.close()
    r = _load_one(empty_warehouse, path)
    assert (r.rows_loaded, r.rows_quarantined) == (1, 1)
    assert "is a future month" in _reasons(empty_warehouse)[0][2]


@pytest.mark.parametrize(
    ("year", "month", "column", "reason"),
    [
        ("2022/23", "APR", "PERIOD", "PERIOD 2023-04 contradicts YEAR '2022/23' and MONTH 'APR' (2022-04)"),
        ("2023/24", "MAY", "PERIOD", "PERIOD 2023-04 contradicts YEAR '2023/24' and MONTH 'MAY' (2023-05)"),
        ("2023/25", "APR", "YEAR", "YEAR '2023/25' is not a financial year written like 2023/24"),
        ("2023/24", "APRIL!", "PERIOD", None),  # the first three letters name the month: consistent
        ("2023/24", "XYZ", "MONTH", "MONTH 'XYZ' is not a month"),
    ],
)
def test_period_must_agree_with_year_and_month(empty_warehouse, tmp_path, year, month, column, reason):
    row = provider_row()
    row[1], row[2] = year, month
    path = write_csv(tmp_path / "ym.csv", [provider_row(org="RAE"), row])
    r = _load_one(empty_warehouse, path)
    if reason is None:
        assert r.rows_quarantined == 0
        return
    assert _reasons(empty_warehouse) == [(3, column, reason)]


def test_january_belongs_to_the_financial_year_that_began_the_april_before(empty_warehouse, tmp_path):
    row = provider_row(period="2024-01-01")
    assert row[1:3] == ["2023/24", "JAN"]
    assert _load_one(empty_warehouse, write_csv(tmp_path / "jan.csv", [row])).rows_quarantined == 0


@pytest.mark.parametrize(
    ("text", "value"),
    [("1,234", 1234.0), ("12,345,678", None), ("8.5", 8.5), ("47", 47.0), ("1e3", 1000.0)],
)
def test_plain_counts_are_read(text, value):
    if value is None:
        with pytest.raises(ValueProblem, match="implausibly large"):
            parse_count(text, "TOTAL")
    else:
        assert parse_count(text, "TOTAL") == value


@pytest.mark.parametrize("text", ["1,2,3,4", "12,34", "١٢٣", "۱۲", "1_000", "١,٢٣٤", "1,234,", ",123", "²"])
def test_counts_that_are_not_plain_numbers_are_refused(text):
    with pytest.raises(ValueProblem, match="is not a number"):
        parse_count(text, "TOTAL")


@pytest.mark.parametrize("text", ["1,2,3", "١٢"])
def test_such_counts_are_quarantined_in_an_extract(empty_warehouse, tmp_path, text):
    path = write_csv(tmp_path / "c.csv", [provider_row(org="RAE"), provider_row(total=text, within="0", breaches=text)])
    r = _load_one(empty_warehouse, path)
    assert r.rows_quarantined == 1
    assert _reasons(empty_warehouse) == [(3, "TOTAL TREATED", f"TOTAL TREATED {text!r} is not a number")]


@pytest.mark.parametrize("text", ["٢٠٢٣-٠٤-٠١", "01/04/٢٠٢٣"])
def test_dates_in_other_digits_are_quarantined(empty_warehouse, tmp_path, text):
    path = write_csv(tmp_path / "d.csv", [provider_row(org="RAE"), provider_row(period=text)])
    _load_one(empty_warehouse, path)
    assert _reasons(empty_warehouse) == [(3, "PERIOD", f"PERIOD {text!r} is not a date")]


def test_a_repeated_column_is_refused_in_csv(empty_warehouse, tmp_path):
    header = [*PROVIDER_HEADER, "TOTAL TREATED"]
    path = write_csv(tmp_path / "dup.csv", [[*provider_row(), "99"]], header=header)
    with pytest.raises(InputError) as err:
        load_files(empty_warehouse, [path])
    assert str(err.value) == (
        "dup.csv, row 1, column 'TOTAL TREATED': column 'TOTAL TREATED' appears 2 times (columns 9 and 12); "
        "a repeated column is ambiguous: remove or rename the copies"
    )


def test_a_repeated_column_is_refused_in_a_workbook(empty_warehouse, tmp_path):
    path = tmp_path / "dup.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("CWT CRS Provider Extract")
    ws.write_row(0, 0, [*PROVIDER_HEADER, "ORG CODE"])
    ws.write_row(1, 0, [*provider_row(), "RAE"])
    wb.close()
    with pytest.raises(InputError, match=r"column 'ORG CODE' appears 2 times \(columns 5 and 12\)"):
        load_files(empty_warehouse, [path])


def test_an_unclosed_quote_is_refused_naming_its_line(empty_warehouse, tmp_path):
    path = write_csv(tmp_path / "q.csv", [provider_row(org=f"R{i:02d}") for i in range(50)])
    lines = path.read_text().splitlines(keepends=True)
    lines[5] = lines[5].replace(",Suspected lung cancer,", ',"Suspected lung cancer,')  # opened, never closed
    path.write_text("".join(lines))
    with pytest.raises(InputError) as err:
        load_files(empty_warehouse, [path])
    assert str(err.value) == "q.csv, row 6: a quoted value is never closed (from line 6)"


def test_a_quote_closed_lines_later_is_refused_with_both_lines(empty_warehouse, tmp_path):
    path = write_csv(tmp_path / "q.csv", [provider_row(org=f"R{i:02d}") for i in range(50)])
    lines = path.read_text().splitlines(keepends=True)
    lines[5] = lines[5].replace(",Suspected lung cancer,", ',"Suspected lung cancer,')
    lines[20] = lines[20].replace(",Suspected lung cancer,", ',Suspected lung cancer",')
    path.write_text("".join(lines))
    with pytest.raises(InputError) as err:
        load_files(empty_warehouse, [path])
    assert str(err.value).startswith("q.csv, row 6: a quoted value runs from line 6 to line 21")


def test_rows_read_are_the_lines_read(empty_warehouse, tmp_path):
    """With every quote closed on its line, each line is one row: 50 lines, 50 rows."""
    path = write_csv(tmp_path / "ok.csv", [provider_row(org=f"R{i:02d}", cancer='Lung "quoted"') for i in range(50)])
    r = _load_one(empty_warehouse, path)
    assert r.rows_read == 50 == len(path.read_text().splitlines()) - 1


@pytest.mark.parametrize("code", ["RB\x00K", "RBK\x00", "\x00RBK"])
def test_a_nul_byte_in_a_trust_code_is_quarantined(empty_warehouse, tmp_path, code):
    lines = (DATA / "geo" / "ods_etr_nhs_trusts.csv").read_text().splitlines(keepends=True)
    last = lines[-1]  # past the first 4 KB, where a NUL byte would make the whole file binary
    lines[-1] = last.replace(last.split(",")[0], f'"{code}"', 1)
    path = tmp_path / "trusts.csv"
    path.write_text("".join(lines))
    r = _load_one(empty_warehouse, path)
    assert r.rows_quarantined == 1
    [(row, column, reason)] = _reasons(empty_warehouse)
    assert (row, column) == (len(lines), "Organisation Code") and "is not an organisation code" in reason


def test_a_nul_byte_in_a_sub_icb_code_is_quarantined(empty_warehouse, tmp_path):
    source = (DATA / "geo" / "Sub_ICB_Locations_to_ICB_to_NHS_England_Region_Jul_2022_Lookup.csv").read_text()
    lines = source.splitlines(keepends=True)
    code = lines[-1].split(",")[1]
    lines[-1] = lines[-1].replace(f",{code},", f",{code[:1]}\x00{code[1:]},", 1)
    path = tmp_path / "lookup.csv"
    path.write_text("".join(lines))
    r = _load_one(empty_warehouse, path)
    assert r.rows_quarantined == 1
    assert _reasons(empty_warehouse)[0][1] == "SICBL22CDH"
