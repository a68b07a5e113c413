"""Bounds on a legacy ``.xls`` workbook, checked before the spreadsheet reader (calamine) sees it.

An ``.xls`` file is an OLE2 compound file holding a ``Workbook`` (BIFF8) or ``Book`` (BIFF5)
stream of records. calamine sizes each sheet's memory by the sheet's declared ``DIMENSIONS``
record and by the farthest cell a record names: one cell record at row 65,535 and column
65,535 (the fields are 16-bit, although a sheet has 256 columns) makes it allocate 137 GB and
abort the process. So before a legacy workbook is opened, :func:`inspect_xls` checks

- the compound-file header: sector sizes, and FAT, mini-FAT, DIFAT and directory sector counts a
  file of its size can hold;
- the workbook stream: it exists, is no longer than the file, and within
  ``CANCERWATCH_MAX_UNCOMPRESSED_BYTES``;
- every record of the stream, read as calamine reads it (a record and the ``CONTINUE`` records
  after it as one): each ``DIMENSIONS`` record and each cell record (``NUMBER``, ``RK``,
  ``MULRK``, ``LABELSST`` …) must keep within IV65536, the last cell of an ``.xls`` sheet, and
  within ``CANCERWATCH_MAX_ROWS``, ``CANCERWATCH_MAX_COLUMNS`` and ``CANCERWATCH_MAX_CELLS``.
  A sheet whose ``BOUNDSHEET`` offset does not fall on a record boundary is read from there too.

Formula cells of ``.xls`` files are not flagged: the DM01 files NHS England publishes carry
computed totals as formulas, and the DM01 reader checks its figures against those totals.

Everything out of bounds is refused with one line naming the file (and sheet) and the reason.
Sources: [MS-CFB] (compound file header); [MS-XLS] 2.4 (records: BOF, EOF, BOUNDSHEET,
DIMENSIONS, CONTINUE and the cell records; a sheet has at most 65,536 rows and 256 columns).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import olefile

from cancerwatch.errors import InputError
from cancerwatch.ingest.limits import WorkLimits, over_limit

LAST_ROW = 65_536  # [MS-XLS]: the last row of a BIFF8 sheet
LAST_COLUMN = 256  # [MS-XLS]: the last column, IV
STREAMS = ("Workbook", "Book")  # BIFF8, BIFF5
BOF, EOF, BOUNDSHEET, DIMENSIONS, CONTINUE = 0x0809, 0x000A, 0x0085, 0x0200, 0x003C
MULRK, MULBLANK = 0x00BD, 0x00BE
#: Records whose data starts with the row and column (16-bit each) of one cell.
CELLS = {0x0006, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6}
SPECIAL_SECTOR = 0xFFFFFFFA  # [MS-CFB] MAXREGSECT: larger values mean "end of chain" or "free"


def inspect_xls(path: Path, limits: WorkLimits) -> None:
    """Check an OLE2 compound file and its workbook stream; ``InputError`` (one line) if out of bounds."""
    _check_header(path)
    stream = _workbook_stream(path, limits)
    sheets = _sheet_offsets(stream)
    visited = _scan(path, stream, 0, sheets, limits, whole=True)
    for offset, name in sheets.items():
        if offset not in visited:  # not on a record boundary of the stream: calamine reads from there
            _scan(path, stream, offset, sheets, limits, whole=False, sheet=name)


def _refuse(path: Path, reason: str, sheet: str | None = None) -> InputError:
    return InputError(reason, file=path.name, sheet=sheet)


def _check_header(path: Path) -> None:
    """The header of an OLE2 compound file must describe sectors a file of its size can hold."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        header = fh.read(512)
    if len(header) < 512:
        raise _refuse(path, "not a readable xls workbook (the compound-file header is cut short)")
    (sector_shift, mini_shift) = struct.unpack_from("<HH", header, 0x1E)
    (dir_sectors, fat_sectors, first_dir, _sig, cutoff, first_minifat, minifat_sectors, first_difat, difat_sectors) = (
        struct.unpack_from("<IIIIIIIII", header, 0x28)
    )
    if sector_shift not in (9, 12) or mini_shift != 6 or cutoff != 4096:
        raise _refuse(path, "not a readable xls workbook (the compound-file header has impossible sector sizes)")
    sector = 1 << sector_shift
    sectors = max(size // sector - 1, 0)  # the header takes the first sector
    counts = {"FAT": fat_sectors, "mini FAT": minifat_sectors, "DIFAT": difat_sectors, "directory": dir_sectors}
    for what, n in counts.items():
        if n > sectors:
            raise _refuse(
                path,
                f"the xls header declares {n:,} {what} sectors but a file of {size:,} bytes holds at most {sectors:,}",
            )
    for what, first in (("directory", first_dir), ("mini FAT", first_minifat), ("DIFAT", first_difat)):
        if first <= SPECIAL_SECTOR and first >= sectors:
            raise _refuse(path, f"the xls header starts the {what} at sector {first:,}, beyond the end of the file")


def _workbook_stream(path: Path, limits: WorkLimits) -> bytes:
    """The workbook stream's bytes (read through ``olefile``, the compound-file reader)."""
    size = path.stat().st_size
    try:
        with olefile.OleFileIO(str(path)) as ole:
            name = next((s for s in STREAMS if ole.exists(s) and ole.get_type(s) == olefile.STGTY_STREAM), None)
            if name is None:
                raise _refuse(path, "not a readable xls workbook (the compound file holds no Workbook stream)")
            declared = ole.get_size(name)
            if declared > size:
                raise _refuse(
                    path, f"the xls Workbook stream declares {declared:,} bytes, more than the file's {size:,}"
                )
            if declared > limits.max_uncompressed_bytes:
                raise _refuse(
                    path, over_limit("the xls Workbook stream is", declared, "max_uncompressed_bytes", limits)
                )
            return ole.openstream(name).read()
    except InputError:
        raise
    except Exception as exc:  # olefile raises OSError and others on a damaged compound file
        raise _refuse(path, f"not a readable xls workbook ({_first_line(exc)})") from None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:120] if text else type(exc).__name__


def _sheet_offsets(stream: bytes) -> dict[int, str]:
    """Stream offset of each sheet's BOF → sheet name, from the BOUNDSHEET records of the globals."""
    out: dict[int, str] = {}
    pos = 0
    while pos + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, pos)
        data = stream[pos + 4 : pos + 4 + length]
        if kind == BOUNDSHEET and len(data) >= 8:
            offset, chars, high = struct.unpack_from("<IxxBB", data, 0)
            raw = data[8 : 8 + chars * (2 if high & 1 else 1)]
            out[offset] = raw.decode("utf-16-le" if high & 1 else "latin-1", "replace") or f"sheet {len(out) + 1}"
        elif kind == EOF:
            break  # the end of the globals
        pos += 4 + length
    return out


@dataclass
class _Extent:
    rows: int = 0
    columns: int = 0


def _scan(
    path: Path,
    stream: bytes,
    start: int,
    sheets: dict[int, str],
    limits: WorkLimits,
    *,
    whole: bool,
    sheet: str | None = None,
) -> set[int]:
    """Check the records from ``start`` (all of them, or one sheet's up to its EOF); the offsets visited."""
    visited: set[int] = set()
    pos, end = start, len(stream)
    unpack = struct.unpack_from
    # The largest rows and columns of the records checked so far. A record within both, while
    # their product is within the cell limit too, passes every check of ``_check`` (each check
    # grows with rows and columns), so it is not checked again: the first record out of bounds
    # is still the one refused, with the same words.
    seen_rows = seen_cols = 0
    within = True
    while pos + 4 <= end:
        visited.add(pos)
        if pos in sheets:
            sheet = sheets[pos]
        kind, length = unpack("<HH", stream, pos)
        data_end = pos + 4 + length
        nxt = data_end
        while nxt + 4 <= end and unpack("<H", stream, nxt)[0] == CONTINUE:  # read as one record
            nxt += 4 + unpack("<H", stream, nxt + 2)[0]
        if kind in CELLS and length >= 4 and nxt == data_end:  # one cell, the usual record: its row and column
            row, col = unpack("<HH", stream, pos + 4)
            if not (within and row < seen_rows and col < seen_cols):
                _check(path, _Extent(row + 1, col + 1), limits, sheet, "its cells")
                seen_rows, seen_cols = max(seen_rows, row + 1), max(seen_cols, col + 1)
                within = seen_rows * seen_cols <= limits.max_cells
        elif kind in (MULRK, MULBLANK) and length >= 6 and nxt == data_end <= end:  # a row of cells
            row, col = unpack("<HH", stream, pos + 4)
            width = 6 if kind == MULRK else 2
            last = max(unpack("<H", stream, data_end - 2)[0], col + (length - 6) // width - 1)
            if not (within and row < seen_rows and last < seen_cols):  # as _record_extent would say
                _check(path, _Extent(row + 1, last + 1), limits, sheet, "its cells")
                seen_rows, seen_cols = max(seen_rows, row + 1), max(seen_cols, last + 1)
                within = seen_rows * seen_cols <= limits.max_cells
        elif kind == DIMENSIONS or kind in CELLS or kind in (MULRK, MULBLANK):
            data = stream[pos + 4 : data_end] if nxt == data_end else _joined(stream, pos, nxt)
            extent = _record_extent(path, kind, data, sheet)
            if extent is not None:
                _check(path, extent, limits, sheet, "the declared extent" if kind == DIMENSIONS else "its cells")
                seen_rows, seen_cols = max(seen_rows, extent.rows), max(seen_cols, extent.columns)
                within = seen_rows * seen_cols <= limits.max_cells
        if kind == EOF and not whole:
            break
        pos = nxt
    return visited


def _joined(stream: bytes, pos: int, stop: int) -> bytes:
    """The data of the record at ``pos`` and of the CONTINUE records after it, up to ``stop``."""
    parts = []
    while pos < stop:
        length = struct.unpack_from("<H", stream, pos + 2)[0]
        parts.append(stream[pos + 4 : pos + 4 + length])
        pos += 4 + length
    return b"".join(parts)


def _record_extent(path: Path, kind: int, data: bytes, sheet: str | None) -> _Extent | None:
    """Rows and columns (counts, 1 = the first) that one record reaches; ``None`` if too short to say."""
    if kind == DIMENSIONS:
        if len(data) >= 14:  # BIFF8: first row, last row + 1 (32-bit), first column, last column + 1
            first_row, rows, first_col, cols = struct.unpack_from("<IIHH", data, 0)
        elif len(data) >= 10:  # BIFF5: 16-bit rows
            first_row, rows, first_col, cols = struct.unpack_from("<HHHH", data, 0)
        else:
            return None
        if first_row > rows or first_col > cols:
            raise _refuse(path, "declares an extent that ends before it starts (a crafted workbook)", sheet)
        return _Extent(rows, cols)
    if len(data) < 4:
        return None
    row, col = struct.unpack_from("<HH", data, 0)
    if kind in (MULRK, MULBLANK) and len(data) >= 6:
        width = 6 if kind == MULRK else 2
        last = max(struct.unpack_from("<H", data, len(data) - 2)[0], col + (len(data) - 6) // width - 1)
        return _Extent(row + 1, last + 1)
    return _Extent(row + 1, col + 1)


def _check(path: Path, extent: _Extent, limits: WorkLimits, sheet: str | None, what: str) -> None:
    rows, cols = extent.rows, extent.columns
    if rows > LAST_ROW or cols > LAST_COLUMN:
        raise _refuse(
            path, f"{what} reach row {rows:,}, column {cols:,}: beyond IV65536, the last cell of an xls sheet", sheet
        )
    if rows > limits.max_rows:
        raise _refuse(path, over_limit(f"{what} reach row", rows, "max_rows", limits), sheet)
    if cols > limits.max_columns:
        raise _refuse(path, over_limit(f"{what} reach column", cols, "max_columns", limits), sheet)
    if rows * cols > limits.max_cells:
        span = f"{what} span {cols:,} columns × {rows:,} rows ="
        raise _refuse(path, over_limit(span, rows * cols, "max_cells", limits, "cells"), sheet)
