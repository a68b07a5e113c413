"""Read a workbook or CSV file as grids of text cells (fastexcel/calamine for xlsx and legacy xls).

Every cell comes back as text (or None) so that readers validate values themselves and can
name the row and column of anything wrong. A workbook's container is inspected before calamine
opens it (``workbook_bounds``); every file is held to the work limits (``limits``).

A workbook sheet that is read and holds a formula whose cached result is a number is refused,
naming the cell: cancerwatch reads values, and a program that does not calculate saves 0 as
the cached result. Formulas with text results (the HYPERLINK cells of a front page) are read
as text.
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
from cancerwatch.ingest.limits import WorkLimits, over_limit, work_limits
from cancerwatch.ingest.workbook_bounds import OLE2_MAGIC, XLSX_MAGIC, inspect_workbook

# calamine says when a column mixes types and is read as text; readers validate every cell
# themselves, so the note is noise on the command line.
logging.getLogger("fastexcel.types.dtype").setLevel(logging.ERROR)


#: Name of the column :meth:`Grid.table` adds to a CSV sheet when a row has more values than
#: the header: the row's number of fields (else empty). Readers quarantine such rows.
EXTRA_FIELDS = "__extra_fields"
XLS_MAGIC = OLE2_MAGIC  # OLE2 compound file: Excel 97-2003 workbooks (.xls)


def is_xlsx(path: Path) -> bool:
    """True when the file starts like a zip archive (xlsx is one)."""
    with path.open("rb") as fh:
        return fh.read(4) == XLSX_MAGIC


def is_xls(path: Path) -> bool:
    """True when the file starts like an OLE2 compound file (a legacy Excel 97-2003 workbook)."""
    with path.open("rb") as fh:
        return fh.read(8) == XLS_MAGIC


def _check_size(path: Path, limits: WorkLimits) -> None:
    size = path.stat().st_size
    if size == 0:
        raise InputError("file is empty", file=path.name)
    if size > limits.max_file_bytes:
        raise InputError(over_limit("file is", size, "max_file_bytes", limits, "bytes"), file=path.name)


class Grid:
    """The sheets of one file as lists of rows of text cells."""

    def __init__(self, path: Path) -> None:
        self.path = path
        limits = work_limits()
        _check_size(path, limits)
        self._bounds = inspect_workbook(path, limits)
        self._csv: list[list[str | None]] | None = None
        self._reader = None
        self._tables: dict[str | int, pa.Table] = {}
        if is_xlsx(path):
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
            self._csv = _read_csv(path, limits)
            self.sheet_names = [path.stem]

    def hidden_sheets(self) -> set[str]:
        """Names of the workbook's hidden (or very hidden) sheets, from ``xl/workbook.xml`` (none for xls)."""
        if self._reader is None or not is_xlsx(self.path):
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
            return _csv_table(self._csv)
        assert self._reader is not None
        self._refuse_numeric_formulas(sheet)
        key = self.sheet_names[sheet] if isinstance(sheet, int) and sheet < len(self.sheet_names) else sheet
        if key in self._tables:
            return self._tables[key]
        try:
            data = self._reader.load_sheet(sheet, header_row=0).to_arrow()
        except Exception as exc:
            raise InputError(f"cannot read sheet ({_first_line(exc)})", file=self.path.name, sheet=str(sheet)) from None
        names = _undo_renamed_repeats([str(name).strip() for name in data.column_names])
        table = pa.table({f"{name}#{i}": col for i, (name, col) in enumerate(zip(names, data.columns, strict=True))})
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
        if n_rows is None:
            self._refuse_numeric_formulas(sheet)
        try:
            data = self._reader.load_sheet(sheet, header_row=None, dtypes="string", n_rows=n_rows).to_arrow()
        except Exception as exc:
            raise InputError(f"cannot read sheet ({_first_line(exc)})", file=self.path.name, sheet=str(sheet)) from None
        return data.rename_columns([f"c{i}" for i in range(data.num_columns)])

    def _refuse_numeric_formulas(self, sheet: str | int) -> None:
        """Refuse a sheet to be read that holds a formula with a numeric cached result."""
        name = self.sheet_names[sheet] if isinstance(sheet, int) and sheet < len(self.sheet_names) else str(sheet)
        cell = self._bounds.numeric_formula(name) if self._bounds else None
        if cell:
            raise InputError(
                f"cell {cell} holds a formula with a number as its result; cancerwatch reads values, not cached "
                "formula results (0 when the program that saved the file did not calculate): save the sheet as values",
                file=self.path.name,
                sheet=name,
            )


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


def _undo_renamed_repeats(names: list[str]) -> list[str]:
    """fastexcel renames a repeated header ``X`` to ``X_1``, ``X_2``: give repeats their own name back,
    so that readers see (and refuse) a duplicated column rather than silently use the first."""
    seen = set(names)
    out = []
    for name in names:
        base, sep, number = name.rpartition("_")
        out.append(base if sep and number.isdigit() and base in seen else name)
    return out


def _csv_table(rows: list[list[str | None]]) -> pa.Table:
    """A CSV as an Arrow table of text; rows with values beyond the header are marked in :data:`EXTRA_FIELDS`."""
    if not rows:
        return pa.table({})
    header = [str(h or "").strip() for h in rows[0]]
    width = len(header)
    extra = [str(len(r)) if any(c is not None for c in r[width:]) else None for r in rows[1:]]
    body = [r[:width] + [None] * (width - len(r)) for r in rows[1:]]
    cols = list(zip(*body, strict=True)) if body else [()] * width
    table = {f"{h}#{i}": pa.array(c, type=pa.string()) for i, (h, c) in enumerate(zip(header, cols, strict=True))}
    if any(e is not None for e in extra):
        table[f"{EXTRA_FIELDS}#{width}"] = pa.array(extra, type=pa.string())
    return pa.table(table)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _read_csv(path: Path, limits: WorkLimits) -> list[list[str | None]]:
    """Decode and split a CSV file, refusing what would be misread.

    A quoted value that runs over several lines (as an unclosed quote does, swallowing the rows
    after it) is refused naming the line where it opens, so the rows counted are the lines read.
    """
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
    del raw
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str | None]] = []
    line = 0
    try:
        for record in reader:
            first, line = line + 1, reader.line_num
            if line > first:
                raise InputError(
                    f"a quoted value runs from line {first} to line {line} (an unclosed quote?); "
                    "values in CSV files cancerwatch reads have no line breaks",
                    file=path.name,
                    row=first,
                )
            if len(record) > limits.max_columns:
                raise InputError(
                    over_limit("has", len(record), "max_columns", limits, "columns"), file=path.name, row=first
                )
            if len(rows) >= limits.max_rows:
                raise InputError(over_limit("has", None, "max_rows", limits, "rows"), file=path.name)
            rows.append([c if c != "" else None for c in record])
    except csv.Error as exc:
        where = line + 1
        reason = "a quoted value is never closed" if "end of data" in str(exc) else f"malformed CSV ({exc})"
        raise InputError(f"{reason} (from line {where})", file=path.name, row=where) from None
    return rows
