"""Crafted workbooks: real xlsx files written by xlsxwriter, then with one part rewritten.

Each maker reproduces a shape that a spreadsheet reader sizes its memory by: a shared-strings
part that claims billions of strings, a cell at XFD1048576, a declared extent, a part that
expands a thousand times, parts that appear twice. They are small (a few kilobytes) unless a
size is the point.
"""

from __future__ import annotations

import re
import struct
import warnings
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import olefile
import xlsxwriter

from tests.unit.ingest.conftest import PROVIDER_HEADER, provider_row

DM01_XLS = sorted((Path(__file__).resolve().parents[2] / "data" / "nhse" / "diagnostics-dm01").glob("*.xls"))[0]
SHEET_PART = "xl/worksheets/sheet1.xml"
STRINGS_PART = "xl/sharedStrings.xml"


def provider_workbook(path: Path, rows: int = 3) -> Path:
    """A small, valid provider extract workbook (it loads cleanly)."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("CWT CRS Provider Extract")
    ws.write_row(0, 0, PROVIDER_HEADER)
    for i in range(rows):
        row = provider_row(org=f"R{i:02d}")
        for j, v in enumerate(row):
            if j >= 8:
                ws.write_number(i + 1, j, float(v))
            else:
                ws.write(i + 1, j, v)
    wb.close()
    return path


def rewrite(path: Path, edits: dict[str, Callable[[bytes], bytes]], *, extra: dict[str, bytes] | None = None) -> Path:
    """Rewrite parts of the workbook at ``path`` in place (deflated), adding ``extra`` parts."""
    with zipfile.ZipFile(path) as zin:
        parts = [(i.filename, zin.read(i)) for i in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts:
            zout.writestr(name, edits[name](data) if name in edits else data)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return path


def claim_shared_strings(path: Path, unique: int | str = 4_000_000_000, count: int | str | None = None) -> Path:
    """The shared-strings part declares ``uniqueCount`` (and ``count``) strings, whatever it holds."""
    count = unique if count is None else count

    def edit(data: bytes) -> bytes:
        return re.sub(rb'count="\d+" uniqueCount="\d+"', f'count="{count}" uniqueCount="{unique}"'.encode(), data)

    return rewrite(path, {STRINGS_PART: edit})


def far_cell(path: Path, ref: str = "XFD1048576", *, dimension: str | None = None) -> Path:
    """One more cell, at ``ref`` (its row element numbered as the reference says), and optionally a declared extent."""
    row = int(re.sub(r"^[A-Z]*", "", ref) or "1")

    def edit(data: bytes) -> bytes:
        data = data.replace(
            b"</sheetData>", f'<row r="{row}"><c r="{ref}" t="s"><v>0</v></c></row></sheetData>'.encode()
        )
        if dimension is not None:
            data = re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="{dimension}"/>'.encode(), data)
        return data

    return rewrite(path, {SHEET_PART: edit})


def declare_dimension(path: Path, extent: str) -> Path:
    """The worksheet declares ``<dimension ref=extent>`` but holds only its real cells."""
    return rewrite(
        path, {SHEET_PART: lambda d: re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="{extent}"/>'.encode(), d)}
    )


def padded_part(path: Path, size: int) -> Path:
    """An extra part of ``size`` zero bytes (deflate expands it about a thousand times)."""
    return rewrite(path, {}, extra={"xl/media/padding.bin": b"\0" * size})


def duplicate_part(path: Path) -> Path:
    """A second, different copy of the worksheet part under the same name."""
    with zipfile.ZipFile(path) as zin:
        sheet = zin.read(SHEET_PART)
    with zipfile.ZipFile(path, "a") as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        zf.writestr(SHEET_PART, sheet.replace(b"</sheetData>", b'<row r="9"><c r="A9"><v>1</v></c></row></sheetData>'))
    return path


def encrypted_flag(path: Path) -> Path:
    """Set the "encrypted" flag of the first entry in the central directory."""
    data = bytearray(path.read_bytes())
    cd = data.find(b"PK\x01\x02")
    flags = struct.unpack_from("<H", data, cd + 8)[0]
    struct.pack_into("<H", data, cd + 8, flags | 0x1)
    path.write_bytes(bytes(data))
    return path


def damaged_deflate(path: Path, part: str = SHEET_PART) -> Path:
    """The deflated bytes of ``part`` start with a block of the reserved type, so decompressing fails."""
    data = bytearray(path.read_bytes())
    name = part.encode()
    at = data.find(b"PK\x03\x04")
    while at != -1:
        name_len, extra_len = struct.unpack_from("<HH", data, at + 26)
        if data[at + 30 : at + 30 + name_len] == name:
            start = at + 30 + name_len + extra_len
            data[start : start + 4] = b"\xff\xff\xff\xff"
            path.write_bytes(bytes(data))
            return path
        at = data.find(b"PK\x03\x04", at + 4)
    raise ValueError(f"no part {part}")


def ole2_header(
    path: Path, *, fat_sectors: int = 1, minifat_sectors: int = 0, sector_shift: int = 9, size: int = 4096
) -> Path:
    """An OLE2 compound file (the container of legacy .xls) of ``size`` bytes whose header declares these counts."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHH", header, 0x18, 0x3E, 3, 0xFFFE, sector_shift)
    struct.pack_into("<H", header, 0x20, 6)
    struct.pack_into("<IIIIIIIII", header, 0x28, 0, fat_sectors, 1, 0, 4096, 0xFFFFFFFE, minifat_sectors, 0xFFFFFFFE, 0)
    path.write_bytes(bytes(header) + b"\xff" * (size - 512))
    return path


def _biff_records(stream: bytes) -> Iterator[tuple[int, int, int]]:
    """(offset, record type, data length) of each record of a BIFF workbook stream."""
    pos = 0
    while pos + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, pos)
        yield pos, kind, length
        pos += 4 + length


def xls_record(path: Path, kind: int, edit: Callable[[bytearray, int], None], *, nth: int = 0) -> Path:
    """A copy of a bundled DM01 ``.xls`` at ``path`` whose ``nth`` record of type ``kind`` in the
    Workbook stream is edited in place (``edit(stream, data_offset)``; the stream keeps its size)."""
    path.write_bytes(DM01_XLS.read_bytes())
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        stream = bytearray(ole.openstream("Workbook").read())
        offsets = [pos for pos, k, _ in _biff_records(bytes(stream)) if k == kind]
        edit(stream, offsets[nth] + 4)
        ole.write_stream("Workbook", bytes(stream))
    return path


def xls_far_cell(path: Path, row: int = 65_535, col: int = 65_535) -> Path:
    """The first NUMBER cell of the workbook moved to (``row``, ``col``), zero-based 16-bit fields."""
    return xls_record(path, 0x0203, lambda s, at: struct.pack_into("<HH", s, at, row, col))


def xls_dimensions(path: Path, rows: int, cols: int, *, first_row: int = 0) -> Path:
    """The first sheet's DIMENSIONS record declares rows ``first_row``..``rows`` and columns 0..``cols`` (BIFF8)."""
    return xls_record(path, 0x0200, lambda s, at: struct.pack_into("<IIHH", s, at, first_row, rows, 0, cols))
