"""Bounds on a workbook's container, checked before the spreadsheet reader (calamine) sees it.

calamine sizes its memory by what a workbook declares. A crafted xlsx of a few kilobytes that
declares four billion shared strings, or holds one cell at XFD1048576 (an extent of 17 billion
cells), makes it allocate hundreds of gigabytes and abort the whole process. So before a
workbook is opened, :func:`inspect_workbook` reads

- the zip directory: the number of parts, duplicated or encrypted parts, each part's declared
  size, their total (``CANCERWATCH_MAX_UNCOMPRESSED_BYTES``) and each part's compression ratio;
- the opening bytes of the shared-strings part: the declared ``uniqueCount`` must fit in the
  part's size and ``count`` within ``CANCERWATCH_MAX_CELLS``;
- every worksheet: its declared ``<dimension ref=…>``, and the largest row number and column
  letters of any cell reference, found in one streamed pass that looks only for references
  longer than the longest seen so far; the extent must keep within ``CANCERWATCH_MAX_ROWS``,
  ``CANCERWATCH_MAX_COLUMNS`` and ``CANCERWATCH_MAX_CELLS``;
- formula cells: the first cell of each sheet whose formula has a number (not text) as its
  cached result, so that the grid can refuse such a sheet (a program that does not calculate
  writes 0 as the cached result; a HYPERLINK on a front page is text and is read as text).

A legacy ``.xls`` file (an OLE2 compound file) is inspected by :mod:`cancerwatch.ingest.xls_bounds`:
its header, its workbook stream, and each sheet's declared extent and farthest cell.

Everything out of bounds is refused with one line naming the file and the reason. Sources: ECMA-376
Part 1 (SpreadsheetML: ``sst``, ``dimension``, ``c/@r``, ``f``; a sheet has at most 1,048,576 rows
and 16,384 columns, XFD).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path, PurePosixPath

from cancerwatch.errors import InputError
from cancerwatch.ingest.limits import WorkLimits, over_limit
from cancerwatch.ingest.xls_bounds import inspect_xls

XLSX_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_PARTS = 10_000  # a workbook has a few dozen parts; one per sheet, style, relationship, image
MAX_RATIO = 200  # deflated XML of real extracts expands under 10 times; zip bombs expand 1,000
RATIO_FLOOR = 1024 * 1024  # small parts may compress well without harm
MIN_SHARED_STRING_BYTES = 5  # the shortest shared string is ``<si/>``
LAST_ROW = 1_048_576  # ECMA-376: the last row of a worksheet
LAST_COLUMN = 16_384  # ECMA-376: the last column, XFD
CHUNK = 4 * 1024 * 1024
HEAD = 64 * 1024  # the ``dimension`` element comes before the cells, in the opening bytes
TEXT_RESULTS = {b"s", b"str", b"inlineStr"}  # cell types whose cached formula result is text

_SST = re.compile(rb"<(?:[\w.-]+:)?sst\b([^>]*)>")
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\b[^>]*?\bref=\"([^\"]*)\"")
_ATTR = re.compile(rb"\b([\w:]+)=\"([^\"]*)\"")
_REF = re.compile(rb'r="([A-Z]*)([0-9]*)"')
_FORMULA = re.compile(rb"<f[\s>/]")  # two literal searches: far faster than one with an optional prefix
_PREFIXED_FORMULA = re.compile(rb":f[\s>/]")
_CELL_TAG = re.compile(rb"<(?:[\w.-]+:)?c(?:\s([^>]*))?>\s*")
_RANGE_END = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]{1,7})$")
_WORKBOOK_SHEET = re.compile(rb"<(?:[\w.-]+:)?sheet\b([^>]*)/?>")
_RELATIONSHIP = re.compile(rb"<(?:[\w.-]+:)?Relationship\b([^>]*)/?>")


@dataclass(frozen=True)
class SheetBounds:
    """What the inspection found in one worksheet part."""

    part: str
    rows: int  # the largest row the sheet reaches (declared or referenced)
    columns: int  # the largest column, 1 = A
    numeric_formula: str | None = None  # the first cell whose formula has a number as its cached result


@dataclass(frozen=True)
class WorkbookBounds:
    """The worksheets of a workbook that passed inspection, by sheet name where the workbook names them."""

    sheets: dict[str, SheetBounds] = field(default_factory=dict)

    def numeric_formula(self, sheet: str) -> str | None:
        """The first formula cell with a numeric cached result in ``sheet``, if any."""
        found = self.sheets.get(sheet)
        return found.numeric_formula if found else None


def inspect_workbook(path: Path, limits: WorkLimits) -> WorkbookBounds | None:
    """Check the container of an xlsx or xls workbook; ``None`` for other files (CSV, Parquet).

    ``InputError`` (one line, naming the file) for anything out of bounds.
    """
    with path.open("rb") as fh:
        magic = fh.read(8)
    if magic.startswith(XLSX_MAGIC):
        return _inspect_xlsx(path, limits)
    if magic == OLE2_MAGIC:
        inspect_xls(path, limits)
        return WorkbookBounds()
    return None


def _refuse(path: Path, reason: str, sheet: str | None = None) -> InputError:
    return InputError(reason, file=path.name, sheet=sheet)


def _inspect_xlsx(path: Path, limits: WorkLimits) -> WorkbookBounds:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise _refuse(path, f"not a readable xlsx workbook (truncated or corrupt: {exc})") from None
    with zf:
        infos = zf.infolist()
        _check_directory(path, infos, limits)
        try:
            names = _sheet_names(zf)
            for info in infos:
                if info.filename.lower().endswith("sharedstrings.xml"):
                    _check_shared_strings(path, zf, info, limits)
            sheets = {}
            for info in infos:
                if not info.filename.lower().endswith(".xml") or info.file_size == 0:
                    continue
                with zf.open(info) as fh:
                    head = fh.read(HEAD)
                if not re.search(rb"<(?:[\w.-]+:)?worksheet\b", head[:4096]):
                    continue
                label = names.get(info.filename, info.filename)
                sheets[label] = _check_worksheet(path, zf, info, label, head, limits)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, zlib.error) as exc:
            raise _refuse(path, f"not a readable xlsx workbook (truncated or corrupt: {exc})") from None
        except UnicodeDecodeError:  # a damaged part name in a local header
            raise _refuse(path, "not a readable xlsx workbook (corrupt: a part name is not UTF-8)") from None
        except RuntimeError as exc:  # an encrypted part (zipfile asks for a password)
            raise _refuse(path, f"not a readable xlsx workbook ({exc})") from None
    return WorkbookBounds(sheets)


def _check_directory(path: Path, infos: list[zipfile.ZipInfo], limits: WorkLimits) -> None:
    if len(infos) > MAX_PARTS:
        raise _refuse(path, f"workbook has {len(infos):,} parts, more than the {MAX_PARTS:,} any workbook needs")
    seen: set[str] = set()
    for info in infos:
        if info.filename in seen:
            raise _refuse(path, f"workbook part {info.filename!r} appears twice (a crafted archive)")
        seen.add(info.filename)
        if info.flag_bits & 0x1:
            raise _refuse(path, "workbook is encrypted: save it without a password")
    total = sum(info.file_size for info in infos)
    if total > limits.max_uncompressed_bytes:
        raise _refuse(path, over_limit("workbook expands to", total, "max_uncompressed_bytes", limits, "bytes"))
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
            raise _refuse(
                path, f"workbook part {info.filename!r} expands {ratio:,.0f} times (over {MAX_RATIO}:1: a zip bomb)"
            )


def _attributes(tag_body: bytes) -> dict[bytes, bytes]:
    return {k.split(b":")[-1]: v for k, v in _ATTR.findall(tag_body)}


def _sheet_names(zf: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part → sheet name, from ``xl/workbook.xml`` and its relationships (empty if absent)."""
    try:
        workbook = zf.read("xl/workbook.xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return {}
    if len(workbook) > 16 * 1024 * 1024 or len(rels) > 16 * 1024 * 1024:
        return {}
    targets: dict[bytes, str] = {}
    for body in _RELATIONSHIP.findall(rels):
        attrs = _attributes(body)
        target = unescape(attrs.get(b"Target", b"").decode("utf-8", "replace"))
        part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        targets[attrs.get(b"Id", b"")] = _normalise(part)
    out: dict[str, str] = {}
    for body in _WORKBOOK_SHEET.findall(workbook):
        attrs = _attributes(body)
        name = unescape(attrs.get(b"name", b"").decode("utf-8", "replace"))
        sheet_part = targets.get(attrs.get(b"id", b""))
        if sheet_part and name:
            out[sheet_part] = name
    return out


def _normalise(part: str) -> str:
    out: list[str] = []
    for piece in part.split("/"):
        if piece == "..":
            if out:
                out.pop()
        elif piece not in ("", "."):
            out.append(piece)
    return "/".join(out)


def _check_shared_strings(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: WorkLimits) -> None:
    with zf.open(info) as fh:
        head = fh.read(4096)
    found = _SST.search(head)
    if not found:
        return
    attrs = _attributes(found.group(1))
    room = info.file_size // MIN_SHARED_STRING_BYTES
    unique = _declared(path, attrs, b"uniqueCount")
    if unique is not None and unique > room:
        raise _refuse(
            path,
            f"the shared-strings part declares {unique:,} strings but its {info.file_size:,} bytes hold at most "
            f"{room:,} (a crafted workbook)",
        )
    count = _declared(path, attrs, b"count")
    if count is not None and count > limits.max_cells:
        raise _refuse(path, over_limit("the shared-strings part declares", count, "max_cells", limits, "text cells"))


def _declared(path: Path, attrs: dict[bytes, bytes], name: bytes) -> int | None:
    value = attrs.get(name)
    if value is None:
        return None
    if not value.isdigit() or len(value) > 20:
        raise _refuse(path, f"the shared-strings part declares {name.decode()}={value[:30]!r}, not a count")
    return int(value)


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _check_worksheet(
    path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, head: bytes, limits: WorkLimits
) -> SheetBounds:
    declared = _DIMENSION.search(head)
    if declared:
        extent = declared.group(1).decode("ascii", "replace")
        end = _RANGE_END.match(extent.split(":")[-1].strip().upper())
        if not end:
            raise _refuse(path, f"declares the extent {extent[:40]!r}, not a cell range", sheet=label)
        rows, cols = int(end.group(2)), _column_number(end.group(1))
        _check_extent(path, label, rows, cols, limits, f"the declared extent {extent[:40]} would")
    scan = _scan(zf, info)
    if scan.bad_reference:
        raise _refuse(path, f"has the cell reference {scan.bad_reference!r}, beyond the last cell XFD1048576", label)
    rows = 10**scan.digits - 1  # bounds from the longest references: 99,999 for five digits
    cols = {0: 0, 1: 26, 2: 702, 3: LAST_COLUMN}[scan.letters]
    if rows > limits.max_rows or cols > limits.max_columns or rows * cols > limits.max_cells:
        rows, cols = _largest(zf, info, scan.letters, scan.digits)  # near a limit: find the exact extent
    _check_extent(path, label, rows, cols, limits, "its cells")
    return SheetBounds(info.filename, rows, cols, scan.numeric_formula)


def _check_extent(path: Path, label: str, rows: int, cols: int, limits: WorkLimits, what: str) -> None:
    """``what`` names the extent: "the declared extent A1:K9" or "its cells"."""
    if rows > LAST_ROW or cols > LAST_COLUMN:
        raise _refuse(path, f"{what} reach beyond XFD1048576, the last cell of a sheet", label)
    if rows > limits.max_rows:
        raise _refuse(path, over_limit(f"{what} reach row", rows, "max_rows", limits), label)
    if cols > limits.max_columns:
        raise _refuse(path, over_limit(f"{what} reach column", cols, "max_columns", limits), label)
    if rows * cols > limits.max_cells:
        span = f"{what} span {cols:,} columns × {rows:,} rows ="
        raise _refuse(path, over_limit(span, rows * cols, "max_cells", limits, "cells"), label)


@dataclass
class _Scan:
    letters: int = 0  # the most letters in a cell reference's column (1 = A–Z, 2 = AA–ZZ, 3 = AAA–XFD)
    digits: int = 0  # the most digits in a reference's row number
    bad_reference: str | None = None
    numeric_formula: str | None = None


def _chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo):
    """The part's bytes in pieces that end at the start of a tag, keeping the previous tag too.

    So no cell reference and no ``<c …><f`` pair is ever split between two pieces.
    """
    carry = b""
    with zf.open(info) as fh:
        while True:
            data = fh.read(CHUNK)
            if not data:
                if carry:
                    yield carry
                return
            buf = carry + data
            cut = buf.rfind(b"<", 0, buf.rfind(b"<"))
            if cut <= 0 or len(buf) - cut > 64 * 1024:
                cut = max(len(buf) - 4096, 0)
            yield buf[:cut] if cut else buf
            carry = buf[cut:] if cut else b""


def _scan(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> _Scan:
    """One pass over a worksheet: the size class of its references and its first numeric formula cell."""
    scan = _Scan()
    for chunk in _chunks(zf, info):
        pos = 0
        while m := _longer_than(scan.letters, scan.digits).search(chunk, pos):
            ref = _REF.match(chunk, m.start())
            letters, digits = (len(ref.group(1)), len(ref.group(2).lstrip(b"0"))) if ref else (0, 0)
            if letters > 3 or digits > 7:
                scan.bad_reference = chunk[m.start() + 3 : m.start() + 23].split(b'"')[0].decode("ascii", "replace")
                return scan
            scan.letters, scan.digits = max(scan.letters, letters), max(scan.digits, digits)
            pos = m.start() + 1
        if scan.numeric_formula is None:
            scan.numeric_formula = _first_numeric_formula(chunk)
    return scan


_PATTERNS: dict[tuple[int, int], re.Pattern[bytes]] = {}


def _longer_than(letters: int, digits: int) -> re.Pattern[bytes]:
    """A reference with more column letters, or more row digits, than seen so far."""
    key = (letters, digits)
    if key not in _PATTERNS:
        _PATTERNS[key] = re.compile(rb'r="(?:[A-Z]{%d,}[0-9]|[A-Z]*0*[1-9][0-9]{%d,}")' % (letters + 1, digits))
    return _PATTERNS[key]


def _largest(zf: zipfile.ZipFile, info: zipfile.ZipInfo, letters: int, digits: int) -> tuple[int, int]:
    """The exact largest row and column of the references in the longest classes (a second pass)."""
    row_pattern = re.compile(rb'r="[A-Z]{0,3}0*([1-9][0-9]{%d})"' % (digits - 1)) if digits else None
    col_pattern = re.compile(rb'r="([A-Z]{%d})[0-9]' % letters) if letters else None
    top_row, top_col = b"", b""
    for chunk in _chunks(zf, info):
        if row_pattern:
            rows = row_pattern.findall(chunk)
            if rows:
                top_row = max(top_row, max(rows))
        if col_pattern:
            cols = set(col_pattern.findall(chunk))
            if cols:
                top_col = max(top_col, max(cols))
    return (int(top_row) if top_row else 0, _column_number(top_col.decode()) if top_col else 0)


def _first_numeric_formula(chunk: bytes) -> str | None:
    """The reference of the first cell in ``chunk`` whose formula has a non-text cached result."""
    for pattern in (_FORMULA, _PREFIXED_FORMULA):
        for m in pattern.finditer(chunk):
            begin = m.start() if pattern is _FORMULA else chunk.rfind(b"<", 0, m.start())
            previous = chunk.rfind(b"<", 0, begin) if begin > 0 else -1
            tag = _CELL_TAG.fullmatch(chunk, previous, begin) if previous >= 0 else None
            if tag is None:
                continue  # an ``f`` element outside a cell, or text that looks like one
            attrs = _attributes(tag.group(1) or b"")
            if attrs.get(b"t", b"n") not in TEXT_RESULTS:
                return attrs.get(b"r", b"?").decode("ascii", "replace")[:12]
    return None
