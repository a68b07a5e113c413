"""A corpus of malformed files: each gets one clear line naming the file (and sheet, row, column
where known), and the warehouse is left unchanged."""

from __future__ import annotations

import io
import zipfile

import pytest

from cancerwatch.errors import InputError
from cancerwatch.ingest.load import load_files

from .conftest import PROVIDER_HEADER, provider_row, write_csv


def _empty(p):
    p.write_bytes(b"")


def _binary(p):
    p.write_bytes(b"\x00\x01\x02\x03" * 100)


def _truncated_xlsx(p, source):
    p.write_bytes(source.read_bytes()[:20_000])


def _not_zip_xlsx(p):
    p.write_text("PERIOD,STANDARD\n")


def _header_only(p):
    write_csv(p, [])


def _missing_column(p):
    write_csv(p, [provider_row()[:-1]], header=PROVIDER_HEADER[:-1])


def _unknown_layout(p):
    write_csv(p, [["a", "b"]], header=["NAME", "VALUE"])


def _blank_lines(p):
    p.write_text("\n\n\n")


def _zip_bomb(p):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/sharedStrings.xml", b"\x00" * (1100 * 1024 * 1024))
    p.write_bytes(buf.getvalue())


CORPUS = [
    ("empty.csv", _empty, "empty.csv: file is empty"),
    ("binary.csv", _binary, "binary.csv: binary content: not a CSV file or workbook"),
    ("notzip.xlsx", _not_zip_xlsx, "notzip.xlsx: not a readable workbook (the content is not an xlsx archive)"),
    ("header.csv", _header_only, "header.csv: no data rows"),
    ("missing.csv", _missing_column, "missing.csv, row 1, column 'BREACHES': missing column 'BREACHES' (found: PERIOD"),
    ("other.csv", _unknown_layout, "other.csv: not a recognised NHS England CWT extract"),
    ("blank.csv", _blank_lines, "blank.csv: file has no data (every sheet is empty)"),
]


@pytest.mark.parametrize(("name", "make", "message"), CORPUS, ids=[c[0] for c in CORPUS])
def test_malformed_file(empty_warehouse, tmp_path, name, make, message):
    path = tmp_path / name
    make(path)
    with pytest.raises(InputError) as err:
        load_files(empty_warehouse, [path])
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)
    assert empty_warehouse.execute("SELECT count(*) FROM sources").fetchone()[0] == 0


def test_truncated_workbook(empty_warehouse, tmp_path):
    from tests.conftest import PROVIDER_EXTRACT

    path = tmp_path / "cut.xlsx"
    _truncated_xlsx(path, PROVIDER_EXTRACT)
    with pytest.raises(InputError, match=r"^cut.xlsx: not a readable xlsx workbook \(truncated or corrupt"):
        load_files(empty_warehouse, [path])


@pytest.mark.slow
def test_zip_bomb_is_refused_before_expansion(empty_warehouse, tmp_path):
    path = tmp_path / "bomb.xlsx"
    _zip_bomb(path)
    with pytest.raises(InputError, match=r"^bomb.xlsx: workbook expands to [\d,]+ bytes, over the"):
        load_files(empty_warehouse, [path])


def test_missing_file(empty_warehouse, tmp_path):
    with pytest.raises(InputError, match=r"nope\.xlsx: no such file"):
        load_files(empty_warehouse, [tmp_path / "nope.xlsx"])
