"""Read a workbook or CSV file as grids of text cells (fastexcel/calamine for xlsx and legacy xls).

Every cell comes back as text (or None) so that readers validate values themselves and can
name the row and column of anything wrong.
"""

from __future__ import annotations

import csv
import html
import io
import logging
import re
import zipfile
from pathlib import Path

import fastexcel
import pyarrow as pa

from cancerwatch.errors import InputError

# calamine says when a column mixes types and is read as text; readers validate every cell
# themselves, so the note is noise on the command line.
logging.getLogger("fastexcel.types.dtype").setLevel(logging.ERROR)

MAX_FILE_BYTES = 512 * 1024 * 1024  # a monthly national extract is a few MB; refuse absurd files
MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024  # zip-bomb guard for xlsx (a zip archive)
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2 compound file: Excel 97-2003 workbooks (.xls)


def is_xlsx(path: Path) -> bool:
    """True when the file starts like a zip archive (xlsx is one)."""
    with path.open("rb") as fh:
        return fh.read(4) == XLSX_MAGIC


def is_xls(path: Path) -> bool:
    """True when the file starts like an OLE2 compound file (a legacy Excel 97-2003 workbook)."""
    with path.open("rb") as fh:
        return fh.read(8) == XLS_MAGIC


def _check_size(path: Path) -> None:
    size = path.stat().st_size
    if size == 0:
        raise InputError("file is empty", file=path.name)
    if size > MAX_FILE_BYTES:
        raise InputError(f"file is {size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit", file=path.name)


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(info.file_size for info in zf.infolist())
    except zipfile.BadZipFile as exc:
        raise InputError(f"not a readable xlsx workbook (truncated or corrupt: {exc})", file=path.name) from None
    if total > MAX_UNCOMPRESSED_BYTES:
        raise InputError(
            f"workbook expands to {total:,} bytes, over the {MAX_UNCOMPRESSED_BYTES:,}-byte limit",
            file=path.name,
        )


class Grid:
    """The sheets of one file as lists of rows of text cells."""

    def __init__(self, path: Path) -> None:
        self.path = path
        _check_size(path)
        self._csv: list[list[str | None]] | None = None
        self._reader = None
        self._tables: dict[str | int, pa.Table] = {}
        if is_xlsx(path):
            _check_zip(path)
            try:
                self._reader = fastexcel.read_excel(str(path))
                self.sheet_names: list[str] = list(self._reader.sheet_names)
            except Exception as exc:  # calamine raises its own error types
                raise InputError(f"not a readable xlsx workbook ({_first_line(exc)})", file=path.name) from None
        elif is_xls(path):  # NHS England still publishes some statistics (DM01) as legacy .xls
            try:
                self._reader = fastexcel.read_excel(str(path))
                self.sheet_names = list(self._reader.sheet_names)
            except Exception as exc:
                raise InputError(f"not a readable xls workbook ({_first_line(exc)})", file=path.name) from None
        elif path.suffix.lower() in (".xls", ".xlsb", ".ods", ".xlsm", ".xlsx"):
            raise InputError("not a readable workbook (the content is not an xlsx archive)", file=path.name)
        else:
            self._csv = _read_csv(path)
            self.sheet_names = [path.stem]

    def hidden_sheets(self) -> set[str]:
        """Names of the workbook's hidden (or very hidden) sheets, from ``xl/workbook.xml``."""
        if self._reader is None:
            return set()
        return _hidden_sheet_names(self.path)

    @property
    def is_csv(self) -> bool:
        """True for a CSV file (one unnamed sheet)."""
        return self._csv is not None

    def head(self, sheet: str | int = 0, n: int = 25) -> list[list[str | None]]:
        """The first ``n`` rows of a sheet (cheap: used to recognise the file)."""
        if self._csv is not None:
            return self._csv[:n]
        if len(self.sheet_names) == 1:  # one big data sheet: read it once, typed, and reuse it
            t = self.table(sheet)
            header = [c.rsplit("#", 1)[0] for c in t.column_names]
            body = [[None if v is None else str(v) for v in r.values()] for r in t.slice(0, n - 1).to_pylist()]
            return [header, *body]
        return self.rows(sheet, n_rows=n)

    def table(self, sheet: str | int = 0) -> pa.Table:
        """A sheet whose first row is its header, as an Arrow table (column ``NAME#index``).

        xlsx columns keep the types calamine infers (several times faster than reading text);
        CSV columns are text. Readers cast to text in SQL so both look the same.
        """
        if self._csv is not None:
            if not self._csv:
                return pa.table({})
            header = [str(h or "").strip() for h in self._csv[0]]
            width = len(header)
            body = [r + [None] * (width - len(r)) for r in self._csv[1:]]
            cols = list(zip(*body, strict=True)) if body else [()] * width
            return pa.table(
                {f"{h}#{i}": pa.array(c, type=pa.string()) for i, (h, c) in enumerate(zip(header, cols, strict=True))}
            )
        assert self._reader is not None
        key = self.sheet_names[sheet] if isinstance(sheet, int) and sheet < len(self.sheet_names) else sheet
        if key in self._tables:
            return self._tables[key]
        try:
            data = self._reader.load_sheet(sheet, header_row=0).to_arrow()
        except Exception as exc:
            raise InputError(f"cannot read sheet ({_first_line(exc)})", file=self.path.name, sheet=str(sheet)) from None
        table = pa.table(
            {
                f"{str(name).strip()}#{i}": col
                for i, (name, col) in enumerate(zip(data.column_names, data.columns, strict=True))
            }
        )
        self._tables[key] = table
        return table

    def rows(self, sheet: str | int = 0, n_rows: int | None = None) -> list[list[str | None]]:
        """All rows of a sheet (by name or index) as text cells."""
        if self._csv is not None:
            return self._csv
        data = self.strings(sheet, n_rows=n_rows)
        if data.num_columns == 0:
            return []
        columns = [c.to_pylist() for c in data.columns]
        return [list(r) for r in zip(*columns, strict=True)]

    def strings(self, sheet: str | int = 0, n_rows: int | None = None) -> pa.Table:
        """A sheet as an Arrow table of text cells, with no header row (columns ``c0``, ``c1`` …)."""
        if self._csv is not None:
            width = max((len(r) for r in self._csv), default=0)
            cols = [[r[i] if i < len(r) else None for r in self._csv[:n_rows]] for i in range(width)]
            return pa.table({f"c{i}": pa.array(c, type=pa.string()) for i, c in enumerate(cols)})
        assert self._reader is not None
        try:
            data = self._reader.load_sheet(sheet, header_row=None, dtypes="string", n_rows=n_rows).to_arrow()
        except Exception as exc:
            raise InputError(f"cannot read sheet ({_first_line(exc)})", file=self.path.name, sheet=str(sheet)) from None
        return data.rename_columns([f"c{i}" for i in range(data.num_columns)])


_SHEET_TAG = re.compile(r"<(?:\w+:)?sheet\b([^>]*)/?>")
_ATTR = re.compile(r'(\w+)="([^"]*)"')
MAX_WORKBOOK_XML = 4 * 1024 * 1024  # the sheet list of a real workbook is a few KB


def _hidden_sheet_names(path: Path) -> set[str]:
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("xl/workbook.xml")
            if info.file_size > MAX_WORKBOOK_XML:
                raise InputError("xl/workbook.xml is implausibly large", file=path.name)
            text = zf.read(info).decode("utf-8", errors="replace")
    except KeyError:
        return set()
    hidden = set()
    for m in _SHEET_TAG.finditer(text):
        attrs = dict(_ATTR.findall(m.group(1)))
        if attrs.get("state") in ("hidden", "veryHidden") and "name" in attrs:
            hidden.add(html.unescape(attrs["name"]))
    return hidden


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _read_csv(path: Path) -> list[list[str | None]]:
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a byte-order mark ("Unicode text")
        try:
            raw = raw.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise InputError("text claims to be UTF-16 but is not", file=path.name) from None
    if b"\x00" in raw[:4096]:
        raise InputError("binary content: not a CSV file or workbook", file=path.name)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise InputError("text is neither UTF-8 nor Windows-1252", file=path.name)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise InputError(f"malformed CSV ({exc})", file=path.name) from None
    return [[c if c != "" else None for c in r] for r in rows]
