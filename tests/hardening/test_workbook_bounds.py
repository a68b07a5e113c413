"""No file can end the process (issue 20, High 1): a workbook's container is inspected before the
spreadsheet reader sees it, and every file is held to the work limits, each a setting.

The two shapes that aborted the whole process (exit 134, a Rust backtrace) are reproduced as
generated files: a shared-strings part claiming four billion strings, and one cell at
XFD1048576. ``cancerwatch load`` must end with exit code 2 and one line for each.
"""

from __future__ import annotations

import dataclasses
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from cancerwatch.config import Settings
from cancerwatch.errors import InputError
from cancerwatch.ingest.grid import Grid
from cancerwatch.ingest.limits import SETTING_OF, WorkLimits
from cancerwatch.ingest.load import load_files, parse_files
from cancerwatch.ingest.workbook_bounds import inspect_workbook
from tests.conftest import DATA, bundled_files
from tests.hardening import crafted
from tests.unit.ingest.conftest import provider_row, write_csv


def _state(con) -> tuple:
    return tuple(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("sources", "facts", "quarantine"))


def _refused(con, path: Path) -> str:
    before = _state(con)
    with pytest.raises(InputError) as err:
        load_files(con, [path])
    text = str(err.value)
    assert "\n" not in text and text.startswith(path.name), text
    assert _state(con) == before
    return text


CRAFTED = [
    (
        "four billion shared strings",
        lambda p: crafted.claim_shared_strings(p, 4_000_000_000),
        "the shared-strings part declares 4,000,000,000 strings but its",
    ),
    (
        "shared strings counted past the cell limit",
        lambda p: crafted.claim_shared_strings(p, unique=3, count=3_000_000_000),
        "the shared-strings part declares 3,000,000,000 text cells, over the limit of 20,000,000",
    ),
    ("shared strings counted in words", lambda p: crafted.claim_shared_strings(p, "lots"), "not a count"),
    ("one cell at XFD1048576", lambda p: crafted.far_cell(p, "XFD1048576"), "its cells reach column 16,384, over"),
    (
        "one cell at XFD1048576 with its extent declared",
        lambda p: crafted.far_cell(p, "XFD1048576", dimension="A1:XFD1048576"),
        "the declared extent A1:XFD1048576 would reach column 16,384",
    ),
    ("a cell on the last row", lambda p: crafted.far_cell(p, "Z1048576"), "26 columns × 1,048,576 rows"),
    ("a cell past the last column", lambda p: crafted.far_cell(p, "ZZZ1"), "reach beyond XFD1048576"),
    ("a cell past the last row", lambda p: crafted.far_cell(p, "A2000000"), "reach beyond XFD1048576"),
    ("a four-letter column", lambda p: crafted.far_cell(p, "AAAA1"), "has the cell reference 'AAAA1'"),
    ("a nine-digit row", lambda p: crafted.far_cell(p, "A123456789"), "beyond the last cell XFD1048576"),
    ("a declared extent alone", lambda p: crafted.declare_dimension(p, "A1:XFD1048576"), "declared extent"),
    ("a declared extent of nonsense", lambda p: crafted.declare_dimension(p, "A1:B"), "not a cell range"),
    ("a part that expands a thousand times", lambda p: crafted.padded_part(p, 8 * 2**20), "expands 1,0"),
    ("a part twice", crafted.duplicate_part, "workbook part 'xl/worksheets/sheet1.xml' appears twice"),
    ("an encrypted part", crafted.encrypted_flag, "workbook is encrypted"),
    ("a worksheet whose deflated bytes are damaged", crafted.damaged_deflate, "not a readable xlsx workbook"),
]


@pytest.mark.parametrize(("label", "make", "reason"), CRAFTED, ids=[c[0] for c in CRAFTED])
def test_crafted_workbooks_are_refused_in_one_line(empty_warehouse, tmp_path, label, make, reason):
    path = crafted.provider_workbook(tmp_path / "crafted.xlsx")
    make(path)
    assert path.stat().st_size < 64 * 1024 or label.startswith("a part that expands")
    assert reason in _refused(empty_warehouse, path)


def test_the_uncrafted_workbook_loads(empty_warehouse, tmp_path):
    """The crafted files start from a workbook that loads cleanly, so each refusal is the crafting's."""
    [r] = load_files(empty_warehouse, [crafted.provider_workbook(tmp_path / "clean.xlsx")])
    assert (r.status, r.rows_read, r.rows_loaded) == ("loaded", 3, 3)


XLS_CRAFTED = [
    (
        "a cell at row 65,536, column 65,536",
        crafted.xls_far_cell,
        "its cells reach row 65,536, column 65,536: beyond IV65536",
    ),
    ("a cell past column IV", lambda p: crafted.xls_far_cell(p, 10, 300), "its cells reach row 11, column 301"),
    (
        "four billion rows declared",
        lambda p: crafted.xls_dimensions(p, 4_294_967_295, 65_535),
        "the declared extent reach row 4,294,967,295, column 65,535: beyond IV65536",
    ),
    ("an extent that ends before it starts", lambda p: crafted.xls_dimensions(p, 5, 10, first_row=9), "ends before"),
]


@pytest.mark.parametrize(("label", "make", "reason"), XLS_CRAFTED, ids=[c[0] for c in XLS_CRAFTED])
def test_crafted_xls_workbooks_are_refused_in_one_line(empty_warehouse, tmp_path, label, make, reason):
    """The DM01 legacy .xls files go through calamine too: a far cell or declared extent is refused."""
    path = make(tmp_path / "crafted.xls")
    assert reason in _refused(empty_warehouse, path)


def test_xls_limits_are_settings(empty_warehouse, tmp_path, monkeypatch):
    path = crafted.xls_dimensions(tmp_path / "limits.xls", 500, 20)  # within an xls sheet, over the cap below
    monkeypatch.setenv("CANCERWATCH_MAX_ROWS", "400")
    text = _refused(empty_warehouse, path)
    assert "the declared extent reach row 500, over the limit of 400 (set CANCERWATCH_MAX_ROWS to change it)" in text


def test_the_uncrafted_xls_loads(empty_warehouse, tmp_path):
    """The crafted .xls files start from a bundled DM01 file rewritten unchanged, which loads."""
    path = crafted.xls_record(tmp_path / "clean.xls", 0x0203, lambda s, at: None)
    [r] = load_files(empty_warehouse, [path])
    assert r.status == "loaded" and r.rows_loaded > 3000


@pytest.mark.parametrize(
    ("fat", "minifat", "shift", "reason"),
    [
        (4_000_000_000, 0, 9, "declares 4,000,000,000 FAT sectors but a file of 4,096 bytes holds at most 7"),
        (1, 4_000_000, 9, "declares 4,000,000 mini FAT sectors"),
        (1, 0, 30, "impossible sector sizes"),
    ],
)
def test_legacy_xls_headers_are_bounded(empty_warehouse, tmp_path, fat, minifat, shift, reason):
    path = crafted.ole2_header(tmp_path / "legacy.xls", fat_sectors=fat, minifat_sectors=minifat, sector_shift=shift)
    assert reason in _refused(empty_warehouse, path)


def _cli_load(path: Path, db: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cancerwatch", "load", str(path), "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "RUST_BACKTRACE": "1", **env},
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda p: crafted.claim_shared_strings(crafted.provider_workbook(p), 4_000_000_000),
        lambda p: crafted.far_cell(crafted.provider_workbook(p), "XFD1048576"),
        lambda p: crafted.xls_far_cell(p.with_suffix(".xls")),
        lambda p: crafted.xls_dimensions(p.with_suffix(".xls"), 4_294_967_295, 65_535),
    ],
    ids=["billions of shared strings", "a cell at XFD1048576", "an xls cell at 65536,65536", "an xls extent"],
)
def test_the_process_survives_the_crash_shapes(tmp_path, make):
    """Before the inspection these files aborted the process (exit 134) with a Rust backtrace."""
    path = make(tmp_path / "crash.xlsx")
    done = _cli_load(path, tmp_path / "w.duckdb")
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"cancerwatch: {path.name}"), done.stderr[-2000:]


# --- the work limits: each a setting, each with a refusal naming it ---------------------------------


@pytest.mark.parametrize(
    ("setting", "value", "make", "reason"),
    [
        ("CANCERWATCH_MAX_ROWS", "3", lambda p: crafted.provider_workbook(p, rows=5), "A1:K6 would reach row 6, over"),
        ("CANCERWATCH_MAX_COLUMNS", "5", crafted.provider_workbook, "A1:K4 would reach column 11, over the limit of 5"),
        ("CANCERWATCH_MAX_CELLS", "60", lambda p: crafted.provider_workbook(p, rows=5), "11 columns × 6 rows = 66"),
        ("CANCERWATCH_MAX_FILE_BYTES", "1000", crafted.provider_workbook, "file is "),
        ("CANCERWATCH_MAX_UNCOMPRESSED_BYTES", "2000", crafted.provider_workbook, "workbook expands to"),
    ],
)
def test_workbook_limits_are_settings(empty_warehouse, tmp_path, monkeypatch, setting, value, make, reason):
    path = make(tmp_path / "limits.xlsx")
    monkeypatch.setenv(setting, value)
    text = _refused(empty_warehouse, path)
    assert reason in text and f"(set {setting} to change it)" in text, text


@pytest.mark.parametrize(
    ("setting", "value", "reason"),
    [
        ("CANCERWATCH_MAX_ROWS", "4", "has more than the limit of 4 rows"),
        ("CANCERWATCH_MAX_COLUMNS", "10", "has 11 columns, over the limit of 10 columns"),
        ("CANCERWATCH_MAX_QUARANTINED_ROWS", "2", "has more than the limit of 2 rejected rows"),
    ],
)
def test_csv_limits_are_settings(empty_warehouse, tmp_path, monkeypatch, setting, value, reason):
    bad = [provider_row(org=f"R{i:02d}", total="-1") for i in range(5)]  # five rows, every one quarantined
    path = write_csv(tmp_path / "limits.csv", bad)
    monkeypatch.setenv(setting, value)
    text = _refused(empty_warehouse, path)
    assert reason in text and f"(set {setting} to change it)" in text, text


def test_a_setting_that_is_not_a_number_is_one_line(tmp_path):
    path = write_csv(tmp_path / "ok.csv", [provider_row()])
    done = _cli_load(path, tmp_path / "w.duckdb", CANCERWATCH_MAX_ROWS="lots")
    assert done.returncode == 2
    assert done.stderr.strip() == "cancerwatch: CANCERWATCH_MAX_ROWS must be a whole number, not 'lots'"


def test_the_quarantine_cap_stops_the_reader_early(tmp_path, monkeypatch):
    """Past the cap the file is refused while it is read, not validated to the end first."""
    rows = [provider_row(org=f"R{i:04d}", total="-1") for i in range(3000)]
    path = write_csv(tmp_path / "bad.csv", rows)
    monkeypatch.setenv("CANCERWATCH_MAX_QUARANTINED_ROWS", "100")
    with pytest.raises(InputError, match="has more than the limit of 100 rejected rows"):
        parse_files([path])
    monkeypatch.setenv("CANCERWATCH_MAX_QUARANTINED_ROWS", "3000")
    [parsed] = parse_files([path])
    assert len(parsed.rejections) == 3000


# --- the bundled files: within every bound and cap at the default settings -------------------------


@pytest.mark.parametrize("path", bundled_files(), ids=lambda p: p.name)
def test_every_bundled_file_is_within_the_bounds(path, monkeypatch):
    """The published files cancerwatch bundles (provider extracts of ~62k rows, monthly workbooks of
    ~5k rows a sheet, DM01 legacy .xls of ~1 MB) pass the container inspection and the default caps."""
    for setting in SETTING_OF.values():
        monkeypatch.delenv(setting, raising=False)
    defaults = WorkLimits.from_settings(Settings())
    bounds = inspect_workbook(path, defaults)
    if path.suffix.lower() == ".csv":
        assert bounds is None
        return
    assert bounds is not None  # inspected as an xlsx zip or an OLE2 compound file
    if path.suffix.lower() == ".xlsx":
        assert bounds.sheets
    for sheet in bounds.sheets.values():
        assert sheet.rows <= defaults.max_rows and sheet.columns <= defaults.max_columns
        assert sheet.rows * sheet.columns <= defaults.max_cells
        assert sheet.numeric_formula is None, (sheet.part, sheet.numeric_formula)
    grid = Grid(path)
    assert grid.sheet_names
    assert grid.hidden_sheets() <= set(grid.sheet_names)  # a legacy .xls has no xl/workbook.xml: none hidden


def test_a_legacy_xls_is_not_read_as_a_zip(tmp_path):
    """An .xls is an OLE2 compound file: asking for its hidden sheets must not open it as a zip
    (a BadZipFile traceback before). The bundled DM01 files happen to embed a small zip (a theme),
    so the test removes that zip's end record to get the plain compound file."""
    dm01 = sorted(DATA.glob("nhse/diagnostics-dm01/*.xls"))[0]
    plain = tmp_path / dm01.name
    plain.write_bytes(dm01.read_bytes().replace(b"PK\x05\x06", b"\0\0\0\0"))
    grid = Grid(plain)
    assert "Provider" in grid.sheet_names
    assert grid.hidden_sheets() == set()


def test_an_xls_cell_out_of_bounds_after_many_within_them_is_refused(empty_warehouse, tmp_path):
    """Cells within the extent already checked are not checked again: the last cell record moved
    past column IV is still found."""
    path = crafted.xls_record(
        tmp_path / "last.xls", 0x0203, lambda s, at: struct.pack_into("<HH", s, at, 10, 300), nth=-1
    )
    assert "its cells reach row 11, column 301" in _refused(empty_warehouse, path)


def test_xls_cells_each_within_the_cell_limit_but_not_together_are_checked_one_by_one(tmp_path):
    """Cells at (100, 1) and (1, 10) each pass a limit of 500 cells; a later cell at (99, 9) is
    within both but spans 891 cells, and is refused."""
    from cancerwatch.ingest.limits import work_limits
    from cancerwatch.ingest.xls_bounds import _scan

    def number(row: int, col: int) -> bytes:
        return struct.pack("<HHHHHd", 0x0203, 14, row, col, 0, 1.0)

    limits = dataclasses.replace(work_limits(), max_cells=500)
    within = number(99, 0) + number(0, 9) + number(50, 5)
    _scan(tmp_path / "x.xls", within, 0, {}, limits, whole=True)
    with pytest.raises(InputError, match=r"its cells span 9 columns × 99 rows = 891"):
        _scan(tmp_path / "x.xls", within + number(98, 8), 0, {}, limits, whole=True)
