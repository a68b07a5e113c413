"""A corpus of hostile and malformed inputs (issue 11): each gets a clear one-line error or a
quarantine reason; a rejected file leaves the warehouse unchanged; rows read = loaded + quarantined."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from cancerwatch.errors import InputError
from cancerwatch.ingest.load import load_files
from tests.unit.ingest.conftest import PROVIDER_HEADER, provider_row, write_csv


def _xlsx(path: Path, header, rows, *, sheet="CWT CRS Provider Extract", hook=None) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(sheet)
    ws.write_row(0, 0, header)
    for i, r in enumerate(rows, start=1):
        for j, v in enumerate(r):
            if isinstance(v, str) and j >= 8 and v.replace(".", "", 1).isdigit():
                ws.write_number(i, j, float(v))
            else:
                ws.write(i, j, v)
    if hook:
        hook(wb, ws)
    wb.close()
    return path


def _state(con):
    return tuple(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("sources", "facts", "quarantine"))


# --- files rejected whole: (name, maker(path), message prefix) -----------------------------------


def _zip_claiming(path: Path, size: int) -> None:
    """A zip whose directory claims an entry of ``size`` bytes (the '10 GB header' attack)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    data = bytearray(buf.getvalue())
    cd = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, cd + 24, min(size, 0xFFFFFFFF))  # uncompressed size in the central directory
    path.write_bytes(bytes(data))


REJECTED = [
    ("empty.csv", lambda p: p.write_bytes(b""), "empty.csv: file is empty"),
    ("spaces.csv", lambda p: p.write_text("   \n \n"), "spaces.csv: file has no data"),
    ("binary.csv", lambda p: p.write_bytes(bytes(range(256)) * 4), "binary.csv: binary content"),
    ("image.xlsx", lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64), "image.xlsx: not a readable workbook"),
    ("truncated.xlsx", lambda p: p.write_bytes(b"PK\x03\x04" + b"\x00" * 100), "truncated.xlsx: not a readable xlsx"),
    ("claims4gb.xlsx", lambda p: _zip_claiming(p, 0xFFFFFFFF), "claims4gb.xlsx: workbook expands to 4,294,967,"),
    ("header_only.csv", lambda p: write_csv(p, []), "header_only.csv: no data rows"),
    (
        "renamed_total.csv",
        lambda p: write_csv(p, [provider_row()], header=[*PROVIDER_HEADER[:8], "TOTAL", *PROVIDER_HEADER[9:]]),
        "renamed_total.csv: not a recognised NHS England CWT extract",
    ),
    (
        "missing_breaches.csv",
        lambda p: write_csv(p, [provider_row()[:-1]], header=PROVIDER_HEADER[:-1]),
        "missing_breaches.csv, row 1, column 'BREACHES': missing column 'BREACHES'",
    ),
    (
        "semicolons.csv",
        lambda p: p.write_text(";".join(PROVIDER_HEADER) + "\n" + ";".join(provider_row()) + "\n"),
        "semicolons.csv: not a recognised",
    ),
    ("utf16_bad.csv", lambda p: p.write_bytes(b"\xff\xfe" + b"\x00\xd8"), "utf16_bad.csv: text claims to be UTF-16"),
    (
        "no_sheets_of_interest.xlsx",
        lambda p: _xlsx(p, ["NAME", "VALUE"], [["a", "1"]], sheet="Notes"),
        "no_sheets_of_interest.xlsx: not a recognised",
    ),
]


@pytest.mark.parametrize(("name", "make", "message"), REJECTED, ids=[r[0] for r in REJECTED])
def test_rejected_whole(empty_warehouse, tmp_path, name, make, message):
    good = write_csv(tmp_path / "good.csv", [provider_row()])
    path = tmp_path / name
    make(path)
    before = _state(empty_warehouse)
    with pytest.raises(InputError) as err:
        load_files(empty_warehouse, [good, path])
    text = str(err.value)
    assert text.startswith(message), text
    assert "\n" not in text and len(text) < 400
    assert _state(empty_warehouse) == before  # the good file in the same batch is not loaded either


# --- rows quarantined: (rows, expected reasons) ----------------------------------------------------

QUARANTINED = [
    ("negative", [provider_row(total="-5", within="0", breaches="-5")], "TOTAL TREATED -5 is negative"),
    (
        "quarter patient",
        [provider_row(total="2.25", within="2", breaches="0.25")],
        "TOTAL TREATED 2.25 is not a whole or half patient count",
    ),
    ("huge", [provider_row(total="99999999999", within="0", breaches="99999999999")], "implausibly large"),
    ("nan", [provider_row(total="nan", within="0", breaches="0")], "is not a finite number"),
    ("infinity", [provider_row(total="inf", within="0", breaches="0")], "is not a finite number"),
    ("within > total", [provider_row(total="5", within="6", breaches="-1")], "BREACHES -1 is negative"),
    (
        "within > total, consistent",
        [provider_row(total="5", within="6", breaches="0")],
        "WITHIN STANDARD 6 exceeds TOTAL 5",
    ),
    (
        "breaches mismatch",
        [provider_row(total="5", within="3", breaches="1")],
        "BREACHES 1 is not TOTAL − WITHIN STANDARD (2)",
    ),
    ("words for numbers", [provider_row(total="ten", within="7", breaches="3")], "TOTAL TREATED 'ten' is not a number"),
    ("date as words", [provider_row(period="sometime")], "PERIOD 'sometime' is not a date"),
    ("date in 1900", [provider_row(period="1900-01-01")], "outside the range of CWT data"),
    ("impossible date", [provider_row(period="2023-02-30")], "is not a valid date"),
    ("formula injection in code", [provider_row(org='=CMD("calc")')], "is not an organisation code"),
    ("code with spaces", [provider_row(org="R B K")], "is not an organisation code"),
    ("empty code", [provider_row(org="")], "ORG CODE is empty"),
    ("unknown standard", [provider_row(standard="99-day thing")], "unknown standard '99-day thing'"),
    ("unknown route", [provider_row(route="Carrier pigeon")], "unknown route 'Carrier pigeon'"),
    ("modality on FDS", [provider_row(modality="Surgery")], "FDS rows have no treatment modality"),
    (
        "unknown modality",
        [provider_row(standard="31-day Combined", route="First Treatment", modality="Magic", cancer="ALL CANCERS")],
        "unknown treatment modality 'Magic'",
    ),
    ("huge label", [provider_row(cancer="x" * 5000)], "CANCER TYPE is longer than 200 characters"),
    ("duplicate row", [provider_row(), provider_row()], "duplicate of row 3"),
]


@pytest.mark.parametrize(("label", "rows", "reason"), QUARANTINED, ids=[q[0] for q in QUARANTINED])
def test_quarantined_rows(empty_warehouse, tmp_path, label, rows, reason):
    path = write_csv(tmp_path / "p.csv", [provider_row(org="RAE"), *rows])
    [r] = load_files(empty_warehouse, [path])
    assert r.rows_read == r.rows_loaded + r.rows_quarantined == len(rows) + 1
    reasons = [x[0] for x in empty_warehouse.execute("SELECT reason FROM quarantine").fetchall()]
    assert any(reason in x for x in reasons), reasons
    assert r.rows_quarantined >= 1


# --- accepted variants: the file loads as if it were clean ----------------------------------------


def _clean_load(con, path):
    [r] = load_files(con, [path])
    assert (r.rows_read, r.rows_quarantined) == (r.rows_loaded, 0), con.execute("SELECT * FROM quarantine").fetchall()
    return r, float(con.execute("SELECT sum(total) FROM facts").fetchone()[0])


ACCEPTED = {
    "utf-8 BOM": lambda p: p.write_bytes("\ufeff".encode() + p.read_bytes()),
    "utf-16 with BOM": lambda p: p.write_bytes(p.read_text().encode("utf-16")),
    "windows-1252": lambda p: p.write_bytes(p.read_text().replace("lung", "lung é").encode("cp1252")),
    "CRLF line endings": lambda p: p.write_bytes(p.read_bytes().replace(b"\n", b"\r\n")),
    "padded headers": lambda p: p.write_text(p.read_text().replace("ORG CODE", "  org code ", 1)),
    "blank trailing lines": lambda p: p.write_text(p.read_text() + ",,,,,,,,,,\n\n"),
}


@pytest.mark.parametrize("variant", list(ACCEPTED))
def test_accepted_csv_variants(empty_warehouse, tmp_path, variant):
    path = write_csv(tmp_path / "p.csv", [provider_row(total="10", within="7", breaches="3")])
    ACCEPTED[variant](path)
    _, total = _clean_load(empty_warehouse, path)
    assert total == 10


@pytest.mark.parametrize("how", ["iso text", "excel serial", "datetime cell", "month words"])
def test_dates_in_every_form(empty_warehouse, tmp_path, how):
    from datetime import datetime

    def hook(wb, ws):
        cell = {"iso text": "2023-04-01", "excel serial": 45017, "month words": "April 2023"}.get(how)
        if how == "datetime cell":
            ws.write_datetime(1, 0, datetime(2023, 4, 1), wb.add_format({"num_format": "dd/mm/yyyy"}))
        else:
            ws.write(1, 0, cell)

    path = _xlsx(tmp_path / "d.xlsx", PROVIDER_HEADER, [provider_row()], hook=hook)
    _clean_load(empty_warehouse, path)
    assert str(empty_warehouse.execute("SELECT period FROM facts").fetchone()[0]) == "2023-04-01"


@pytest.mark.parametrize("cached", [0, 10], ids=["stale cached 0", "cached 10"])
def test_formula_cells_with_numeric_results_are_refused(empty_warehouse, tmp_path, cached):
    """A count computed by a formula is refused, naming the cell: a stale cached 0 must never load as 0."""

    def hook(wb, ws):
        ws.write_formula(1, 8, "=5+5", None, cached)

    path = _xlsx(tmp_path / "f.xlsx", PROVIDER_HEADER, [provider_row(total="10", within="7", breaches="3")], hook=hook)
    before = _state(empty_warehouse)
    with pytest.raises(InputError) as err:
        load_files(empty_warehouse, [path])
    assert str(err.value).startswith("f.xlsx, sheet 'CWT CRS Provider Extract': cell I2 holds a formula"), err.value
    assert _state(empty_warehouse) == before


def test_text_formulas_are_read_as_text(empty_warehouse, tmp_path):
    """A formula with a text result (a HYPERLINK, as on NHS England front pages) is read as its text."""

    def hook(wb, ws):
        ws.write_formula(2, 0, '=HYPERLINK("https://www.england.nhs.uk/","NHS England")', None, "NHS England")

    path = _xlsx(tmp_path / "h.xlsx", PROVIDER_HEADER, [provider_row(total="10", within="7", breaches="3")], hook=hook)
    [r] = load_files(empty_warehouse, [path])
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (2, 1, 1)
    [reason] = empty_warehouse.execute("SELECT reason FROM quarantine").fetchone()
    assert "PERIOD 'NHS England' is not a date" in reason


def test_merged_cells_are_quarantined(empty_warehouse, tmp_path):
    def hook(wb, ws):
        ws.merge_range(1, 8, 1, 10, "10")  # TOTAL, WITHIN and BREACHES merged into one cell

    merged = provider_row(total="", within="", breaches="")  # as Excel stores a merged range: first cell only
    path = _xlsx(tmp_path / "m.xlsx", PROVIDER_HEADER, [merged, provider_row(org="RAE")], hook=hook)
    [r] = load_files(empty_warehouse, [path])
    assert (r.rows_loaded, r.rows_quarantined) == (1, 1)
    assert "is empty" in empty_warehouse.execute("SELECT reason FROM quarantine").fetchone()[0]


def test_renamed_sheet_and_reordered_columns(empty_warehouse, tmp_path):
    order = list(reversed(range(len(PROVIDER_HEADER))))
    path = _xlsx(
        tmp_path / "r.xlsx", [PROVIDER_HEADER[i] for i in order], [[provider_row()[i] for i in order]], sheet="Sheet1"
    )
    _clean_load(empty_warehouse, path)


def test_csv_injection_is_neutralised_on_export(tmp_path):
    from cancerwatch.cli.output import to_csv
    from cancerwatch.exports import xlsx_bytes

    rows = [{"org_name": '=HYPERLINK("http://x")', "note": "+1", "value": -1.5}]
    text = to_csv(rows)
    assert "'=HYPERLINK" in text and "'+1" in text and ",-1.5" in text
    import fastexcel

    p = tmp_path / "x.xlsx"
    p.write_bytes(xlsx_bytes(rows, title="t"))
    sheet = fastexcel.read_excel(str(p)).load_sheet(0, header_row=2).to_arrow().to_pylist()
    assert sheet[0]["org_name"].startswith("'=")


def test_duplicated_month_in_two_files_keeps_one_current_copy(empty_warehouse, tmp_path):
    a = write_csv(tmp_path / "a.csv", [provider_row(total="10", within="7", breaches="3")])
    b = write_csv(tmp_path / "b.csv", [provider_row(total="11", within="7", breaches="4")])
    load_files(empty_warehouse, [a, b])
    current = empty_warehouse.execute("SELECT total FROM facts WHERE superseded_by IS NULL").fetchall()
    assert [float(c[0]) for c in current] == [11.0]
