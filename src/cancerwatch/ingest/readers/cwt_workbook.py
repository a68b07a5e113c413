"""NHS England's monthly CWT provider and commissioner workbooks (October 2023 onwards).

Every measure sheet is read (layout: :mod:`cwt_workbook_layout`, found by content). Rows become:

- facts in the same breakdowns as the CRS extracts, so a month reads the same from a workbook as
  from an extract: FDS route × suspected cancer (``fds``); 31-day treatment stage and 62-day route
  × cancer type (``cancer_type``) and × treatment modality (``modality``); the first-appointment
  measures by suspected cancer (``cancer_type``). The all-cancers sheets and the ``PART A`` (all
  routes / all stages) parts repeat these totals and are not loaded as facts twice;
- wait-distribution bands (every sheet, every part) in ``wait_bands``, one list of counts per row,
  the bands' days in ``wait_band_defs``.

The ``ALL ENGLISH PROVIDERS`` / ``ALL ENGLISH COMMISSIONERS`` rows are a check, not data: for
every sheet, part and breakdown, the organisation rows must add up to them exactly (half patients
included), in every count and every band, or the month is refused with one line. They are not
counted as rows read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from cancerwatch.catalogue.standards import get_standard
from cancerwatch.errors import InputError
from cancerwatch.ingest.grid import Grid
from cancerwatch.ingest.parsed import BAND_DEF_SCHEMA, BAND_SCHEMA, FACT_SCHEMA, ParsedFile, Rejection
from cancerwatch.ingest.readers import cwt_workbook_layout as layout
from cancerwatch.ingest.readers.cwt_codes import MODALITIES, ROUTES
from cancerwatch.ingest.readers.cwt_workbook_rows import Bad, Columns, check_row, find_columns
from cancerwatch.ingest.scratch import scratch
from cancerwatch.ingest.values import MAX_COUNT, MAX_TEXT, ORG_CODE_RE, clean
from cancerwatch.warehouse.schema import scalar

FRONTPAGE = "frontpage"
MAX_BANDS = 12  # the 62-day sheets have 8 bands; room for more without a code change
SUSPECTED_SCHEME = "fds_suspected"  # FDS and first-appointment rows name the suspected cancer
_COUNT_RE = r"^[0-9]{1,9}(\.(0+|50*))?$"  # whole or half counts, as the extracts are checked


def looks_like_cwt_workbook(grid: Grid) -> bool:
    """True when the file has a CWT ``Frontpage`` saying "Cancer Waiting Times statistics: …"."""
    names = [s.strip().lower() for s in grid.sheet_names]
    if FRONTPAGE not in names:
        return False
    front = grid.rows(grid.sheet_names[names.index(FRONTPAGE)], n_rows=8)
    return any(layout.FRONTPAGE_TITLE.match(clean(r[0])) for r in front if r)


@dataclass
class _Frontpage:
    status: str | None
    basis: str
    month: date


@dataclass
class _Part:
    """One part of one measure sheet: where its columns are and its rows (text cells)."""

    sheet: str
    standard: str
    breakdown: str
    cols: Columns
    rows: pa.Table  # the part's rows, columns c0… plus __row (spreadsheet row number)


@dataclass
class _Workbook:
    parts: list[_Part] = field(default_factory=list)


def read_cwt_workbook(parsed: ParsedFile, grid: Grid) -> None:
    """Read every measure sheet of a monthly workbook into ``parsed`` (facts, bands, rejections)."""
    file = parsed.path.name
    front = _frontpage(grid, file)
    parsed.basis = front.basis
    parsed.status = front.status
    parsed.publication = f"{front.status or 'status not stated'} ({front.month:%B %Y})"
    parsed.complete = True  # the England check below proves the file covers all of England
    book = _Workbook()
    hidden = grid.hidden_sheets()
    seen: set[tuple[str, str]] = set()
    for sheet in grid.sheet_names:
        if sheet.strip().lower() == FRONTPAGE:
            continue
        if sheet in hidden:
            raise InputError(
                f"hidden sheet {sheet!r}: unhide it or delete it, so that what is loaded is what you see",
                file=file,
                sheet=sheet,
            )
        book.parts.extend(_sheet_parts(grid.strings(sheet), front, file, sheet, seen))
    if not seen:
        raise InputError("no CWT measure sheets found", file=file)
    with scratch() as con:
        _check_and_convert(con, parsed, book, front.month, file)
    parsed.months = [front.month]


def _sheet_parts(table: pa.Table, front: _Frontpage, file: str, sheet: str, seen: set[tuple[str, str]]) -> list[_Part]:
    head = [list(r.values()) for r in table.slice(0, 8).to_pylist()]
    title = next((clean(c) for r in head[:3] for c in r if clean(c)), "")
    measure = layout.measure_of(title)
    if measure is None:
        if any(pc.any(pc.not_equal(pc.utf8_trim_whitespace(c), "")).as_py() for c in table.columns):
            raise InputError(
                f"sheet {sheet!r} is not a recognised CWT measure (title {title[:60]!r}); "
                "refusing rather than loading part of the workbook",
                file=file,
                sheet=sheet,
            )
        return []
    if measure in seen:
        raise InputError(f"a second sheet of the same measure ({measure[0]}, {measure[1]})", file=file, sheet=sheet)
    seen.add(measure)
    _check_title_block(head, front, file, sheet)
    standard, breakdown = measure
    days = get_standard(standard).days
    out = []
    starts = _part_starts(table)
    if not starts:
        raise InputError("no header row with 'ODS CODE'", file=file, sheet=sheet)
    for header_at, end in starts:
        header = [layout.header_text(c) for c in table.slice(header_at, 1).to_pylist()[0].values()]
        cols = find_columns(header, header_at, days, file, sheet)
        if len(cols.bands) > MAX_BANDS:
            raise InputError(f"more than {MAX_BANDS} wait bands", file=file, sheet=sheet, row=header_at + 1)
        rows = table.slice(header_at + 1, end - header_at - 1)
        rows = rows.append_column("__row", pa.array(range(header_at + 2, end + 1), type=pa.int64()))
        out.append(_Part(sheet, standard, breakdown, cols, rows))
    return out


def _part_starts(table: pa.Table) -> list[tuple[int, int]]:
    """(header row, end row) of each part: a part runs from its header to the next header or end."""
    if not table.num_columns or not table.num_rows:
        return []
    # Every column at once, and the pattern only on the cells long enough to match (eight bytes,
    # "ODS CODE", at least): most cells are counts of a few digits, far cheaper to pass over.
    columns = [c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c for c in table.columns]
    cells = pa.concat_arrays([c if c.type == pa.string() else c.cast(pa.string()) for c in columns])
    long = pc.indices_nonzero(pc.fill_null(pc.greater_equal(pc.binary_length(cells), 8), False))
    hit = pc.match_substring_regex(pc.take(cells, long), r"^\s*ODS CODE(\s*\(\d+\))?\s*$", ignore_case=True)
    found = {i % table.num_rows for i in pc.filter(long, pc.fill_null(hit, False)).to_pylist()}
    headers = sorted(found)
    return [(h, headers[k + 1] if k + 1 < len(headers) else table.num_rows) for k, h in enumerate(headers)]


def _normalised(book: _Workbook) -> tuple[pa.Table, pa.Table, pa.Table]:
    """Every part's rows in one table of fixed columns, the parts' rules, and their bands."""
    tables: list[pa.Table] = []
    parts: list[tuple] = []
    bands: list[tuple] = []
    for k, part in enumerate(book.parts):
        c = part.cols
        n = part.rows.num_rows

        def col(i: int | None, part: _Part = part, n: int = n) -> pa.Array:
            if i is None or f"c{i}" not in part.rows.column_names:
                return pa.nulls(n, pa.string())
            column = part.rows.column(f"c{i}")
            return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column

        band_cols = [col(i) for i, _ in c.bands] + [pa.nulls(n, pa.string())] * (MAX_BANDS - len(c.bands))
        tables.append(
            pa.table(
                {
                    "part": pa.array([k] * n, type=pa.int32()),
                    "__row": part.rows.column("__row"),
                    "code": col(c.code),
                    "name": col(c.code + 1),
                    "route_text": col(c.route),
                    "detail_text": col(c.detail),
                    "s0": col(c.total),
                    "s1": col(c.within),
                    "s2": col(c.after),
                    **{f"b{i + 1}": band_cols[i] for i in range(MAX_BANDS)},
                }
            )
        )
        parts.append(
            (
                k,
                part.standard,
                part.breakdown,
                SUSPECTED_SCHEME if part.standard in ("fds", *layout.FIXED_ROUTES) else "2023",
                c.after is not None,
                c.modality_detail,
                c.detail is not None,
                layout.FIXED_ROUTES.get(part.standard),
                len(c.bands),
            )
        )
        bands.extend((k, i + 1, b.label, b.from_day, b.to_day) for i, (_, b) in enumerate(c.bands))
    names = (
        "part",
        "standard",
        "breakdown",
        "scheme",
        "has_after",
        "modality_detail",
        "has_detail",
        "fixed_route",
        "n_bands",
    )
    part_table = pa.table({n: [p[i] for p in parts] for i, n in enumerate(names)})
    band_table = pa.table(
        {
            "part": pa.array([b[0] for b in bands], type=pa.int32()),
            "i": [b[1] for b in bands],
            "band": [b[2] for b in bands],
            "from_day": pa.array([b[3] for b in bands], type=pa.int16()),
            "to_day": pa.array([b[4] for b in bands], type=pa.int16()),
        }
    )
    return pa.concat_tables(tables), part_table, band_table


def _lookup(mapping: dict[str, str]) -> pa.Table:
    return pa.table({"k": list(mapping), "v": list(mapping.values())})


TEXT_COLUMNS = ("code", "name", "route_text", "detail_text")
COUNT_COLUMNS = ("s0", "s1", "s2", *(f"b{i}" for i in range(1, MAX_BANDS + 1)))


@dataclass(frozen=True)
class _Shapes:
    """What the cells of each column are like, so that the checks do only the work they need.

    ``plain``: the count columns whose every cell is empty or a whole or half count written plainly
    (:func:`_plain_counts`; the usual column), handed to DuckDB as numbers: every such cell
    matches the count pattern and is unchanged by trimming. ``trimmed``: the other columns in
    which DuckDB's ``trim`` may change a cell (one that is not ASCII, or starts or ends with a
    space: in ASCII only the space is a space separator, which is all ``trim`` removes); in the
    rest ``trim`` changes nothing and is not applied.
    """

    plain: frozenset[str]
    trimmed: frozenset[str]


def _shaped(rows: pa.Table) -> tuple[pa.Table, _Shapes]:
    rows = rows.combine_chunks()  # one chunk per part otherwise: each kernel below would run once per part
    plain: set[str] = set()
    trimmed: set[str] = set()
    for name in (*TEXT_COLUMNS, *COUNT_COLUMNS):
        col = rows.column(name)
        ascii_ = pc.string_is_ascii(col)
        if name in COUNT_COLUMNS and (value := _plain_counts(col)) is not None:
            plain.add(name)
            rows = rows.set_column(rows.schema.get_field_index(name), name, value)
            continue
        spaced = pc.or_(pc.invert(ascii_), pc.or_(pc.starts_with(col, " "), pc.ends_with(col, " ")))
        if pc.any(spaced).as_py():
            trimmed.add(name)
    return rows, _Shapes(frozenset(plain), frozenset(trimmed))


def _plain_counts(col: pa.ChunkedArray) -> pa.ChunkedArray | None:
    """A count column's values (float64, exact) when every cell is empty, ``[0-9]{1,9}`` or that and
    ``.5`` (calamine's text of a whole or half count), else None."""
    halves = pc.fill_null(pc.ends_with(col, ".5"), False)
    whole = pc.if_else(halves, pc.utf8_slice_codeunits(col, 0, -2), col)
    digits = pc.and_(
        pc.and_(pc.string_is_ascii(whole), pc.utf8_is_digit(whole)), pc.less_equal(pc.utf8_length(whole), 9)
    )
    if pc.all(digits).as_py() is False:  # None: every cell empty
        return None
    return pc.add(pc.cast(whole, pa.float64()), pc.if_else(halves, 0.5, 0.0))


def _checked_sql(shapes: _Shapes) -> str:
    """Parse and check every row of every part at once (the rules of ``cwt_workbook_rows``)."""

    def text(c: str) -> str:
        return f"trim(coalesce({c}, ''))" if c in shapes.trimmed else f"coalesce({c}, '')"

    def number(c: str, alias: str, when: str = "") -> str:
        if c in shapes.plain:
            value = f"{c}::DECIMAL(14,1)"
            return f"CASE WHEN {when} THEN {value} END AS {alias}" if when else f"{value} AS {alias}"
        test = f"{when} AND regexp_full_match({c}, '{_COUNT_RE}')" if when else f"regexp_full_match({c}, '{_COUNT_RE}')"
        return f"CASE WHEN {test} THEN {c}::DECIMAL(14,1) END AS {alias}"

    def some_number(c: str) -> str:
        return f"({c} IS NOT NULL)" if c in shapes.plain else f"regexp_full_match({c}, '^[0-9.]+$')"

    counts = ", ".join(c if c in shapes.plain else f"{text(c)} AS {c}" for c in COUNT_COLUMNS)
    nums = ", ".join(number(f"b{i}", f"n{i}", f"n_bands >= {i}") for i in range(1, MAX_BANDS + 1))
    band_list = ", ".join(f"n{i}" for i in range(1, MAX_BANDS + 1))
    any_number = f"{some_number('s0')} OR {some_number('s1')}"
    return f"""
    CREATE OR REPLACE TEMP TABLE checked AS
    WITH r AS (
      SELECT part, __row, upper({text("code")}) AS code, {text("name")} AS name,
             nullif({text("route_text")}, '') AS route_text, {text("detail_text")} AS detail_text, {counts}
      FROM rows
    ), p AS (
      SELECT r.*, pt.*  EXCLUDE (part),
             {number("s0", "n0")}, {number("s1", "w")}, {number("s2", "a")}, {nums},
             -- CASE: the patterns are tried only on the rows without a code
             CASE WHEN code = '' THEN regexp_full_match(upper(name), '{layout.ENGLAND_ROW.pattern}') ELSE false END
               AS is_england,
             CASE WHEN code = '' AND name = '' THEN NOT ({any_number}) ELSE false END AS structural
      FROM r JOIN parts pt USING (part)
    ), q AS (
      SELECT *, CASE WHEN has_after THEN a ELSE n0 - w END AS after,
             list_slice([{band_list}], 1, n_bands) AS bands,
             lower(route_text) AS route_key, CASE WHEN has_detail THEN lower(detail_text) END AS detail_key
      FROM p WHERE NOT structural
    ), firsts AS (  -- the first row of each organisation and breakdown (a hash aggregate: a window sorts)
      SELECT part, code, route_key, detail_key, min(__row) AS first_row FROM q WHERE NOT is_england GROUP BY ALL
    )
    SELECT q.part, q.__row, q.code, q.name, q.is_england, q.standard, q.breakdown, q.scheme, q.fixed_route,
           q.route_key, q.detail_key,
           CASE WHEN q.route_text IS NULL THEN q.fixed_route
                WHEN lower(q.route_text) IN ('all routes', 'all stages') THEN NULL ELSE rm.v END AS route,
           CASE WHEN q.modality_detail THEN mm.v END AS modality,
           CASE WHEN q.modality_detail OR NOT q.has_detail OR lower(q.detail_text) = '{layout.ALL_CANCERS_LABEL}'
                THEN NULL ELSE q.detail_text END AS cancer_type,
           q.n0 AS total, q.w AS within_standard, q.after AS breaches, q.bands,
           fr.first_row,
           coalesce(
             (q.is_england OR regexp_full_match(q.code, '{ORG_CODE_RE}'))
             AND q.n0 IS NOT NULL AND q.w IS NOT NULL AND q.after IS NOT NULL AND q.n0 <= {MAX_COUNT}
             AND q.w <= q.n0 AND q.w + q.after = q.n0
             AND list_count(q.bands) = q.n_bands AND list_sum(q.bands) = q.n0
             AND (q.route_text IS NULL OR lower(q.route_text) IN ('all routes', 'all stages') OR rm.v IS NOT NULL)
             AND (NOT q.has_detail OR (q.detail_text <> '' AND length(q.detail_text) <= {MAX_TEXT}
                  AND (NOT q.modality_detail OR mm.v IS NOT NULL
                       OR lower(q.detail_text) = '{layout.ALL_CANCERS_LABEL}'))),
             false) AS ok
    FROM q
    LEFT JOIN route_map rm ON rm.k = lower(q.route_text)
    LEFT JOIN mod_map mm ON mm.k = lower(q.detail_text)
    LEFT JOIN firsts fr ON fr.part = q.part AND fr.code = q.code AND fr.route_key IS NOT DISTINCT FROM q.route_key
                       AND fr.detail_key IS NOT DISTINCT FROM q.detail_key
    """  # noqa: S608 - generated column names and fixed patterns only


def _check_and_convert(
    con: duckdb.DuckDBPyConnection, parsed: ParsedFile, book: _Workbook, month: date, file: str
) -> None:
    rows, parts, band_defs = _normalised(book)
    rows, shapes = _shaped(rows)
    for name, table in (("rows", rows), ("parts", parts), ("band_defs", band_defs)):
        con.register(name, table)
    con.register("route_map", _lookup(ROUTES))
    con.register("mod_map", _lookup(MODALITIES))
    con.execute(_checked_sql(shapes))
    bad_england = con.execute(
        "SELECT part, __row FROM checked WHERE is_england AND NOT ok ORDER BY 1, 2 LIMIT 1"
    ).fetchone()
    if bad_england:
        raise InputError(
            "the England row is unreadable", file=file, sheet=book.parts[bad_england[0]].sheet, row=bad_england[1]
        )
    parsed.rows_read += scalar(con, "SELECT count(*) FROM checked WHERE NOT is_england")
    for k, n in con.execute("SELECT part, __row FROM checked WHERE NOT is_england AND NOT ok ORDER BY 1, 2").fetchall():
        part = book.parts[k]
        row, raw = _raw_row(part, n)
        try:
            check_row(row, part.cols)
            column, reason = None, "the row fails the workbook checks"  # pragma: no cover - the checks mirror
        except Bad as bad:
            column, reason = bad.column, bad.reason
        parsed.rejections.append(Rejection(n, column, reason, raw, part.sheet))
    for k, n, first in con.execute(
        "SELECT part, __row, first_row FROM checked WHERE ok AND NOT is_england AND __row <> first_row ORDER BY 1, 2"
    ).fetchall():
        part = book.parts[k]
        _, raw = _raw_row(part, n)
        parsed.rejections.append(
            Rejection(n, None, f"duplicate of row {first} (same organisation and breakdown)", raw, part.sheet)
        )
    # the rows kept: a view, not a copy (each read below filters the checked rows again, which is cheaper)
    con.execute(
        "CREATE OR REPLACE TEMP VIEW kept AS SELECT * FROM checked WHERE ok AND NOT is_england AND __row = first_row"
    )
    _check_england(con, book, file)
    parsed.names.update(
        dict(con.execute("SELECT code, any_value(name) FROM kept WHERE name <> '' GROUP BY code").fetchall())
    )
    parsed.facts = (
        con.execute(
            """SELECT $month::DATE AS period, standard, code AS org_code, route, modality, cancer_type,
                  CASE WHEN cancer_type IS NOT NULL THEN scheme END AS tumour_scheme, breakdown,
                  total::DOUBLE AS total, within_standard::DOUBLE AS within_standard, breaches::DOUBLE AS breaches
           FROM kept WHERE breakdown <> 'all' AND (route IS NOT NULL OR fixed_route IS NOT NULL)
           ORDER BY part, __row""",
            {"month": month},
        )
        .fetch_arrow_table()
        .cast(FACT_SCHEMA)
    )
    parsed.bands = (
        con.execute(
            """SELECT $month::DATE AS period, standard, code AS org_code, route, modality, cancer_type, breakdown,
                      bands::DOUBLE[] AS patients
               FROM kept ORDER BY part, __row""",
            {"month": month},
        )
        .fetch_arrow_table()
        .cast(BAND_SCHEMA)
    )
    defs = con.execute(
        """SELECT DISTINCT p.standard, d.i, d.band, d.from_day, d.to_day
           FROM band_defs d JOIN parts p USING (part) ORDER BY 1, 2"""
    ).fetch_arrow_table()
    clash = con.execute(
        "SELECT p.standard FROM band_defs d JOIN parts p USING (part) GROUP BY p.standard, d.i "
        "HAVING count(DISTINCT d.band) > 1 LIMIT 1"
    ).fetchone()
    if clash:
        raise InputError(f"the {clash[0]} sheets give different wait bands", file=file)
    parsed.band_defs = defs.cast(BAND_DEF_SCHEMA)
    parsed.rejections.sort(key=lambda r: (r.sheet or "", r.row_number or 0))


def _raw_row(part: _Part, n: int) -> tuple[list, dict]:
    first = part.rows.column("__row")[0].as_py()
    row = [v for k, v in part.rows.slice(n - first, 1).to_pylist()[0].items() if k != "__row"]
    header = part.cols.header
    return row, {(header[i] or f"column {i + 1}"): row[i] for i in range(min(len(header), len(row)))}


def _check_england(con: duckdb.DuckDBPyConnection, book: _Workbook, file: str) -> None:
    """Organisation rows must add up to the England row of each part and breakdown, count by count."""
    missing = con.execute(
        "SELECT part FROM parts WHERE part NOT IN (SELECT part FROM checked WHERE is_england) ORDER BY 1 LIMIT 1"
    ).fetchone()
    if missing:
        part = book.parts[missing[0]]
        raise InputError(
            "no ALL ENGLISH row to check the organisation rows against",
            file=file,
            sheet=part.sheet,
            row=part.cols.header_row + 1,
        )
    band_sums = ", ".join(f"sum(bands[{i}])" for i in range(1, MAX_BANDS + 1))
    diff = con.execute(
        f"""WITH mine AS (  -- every kept row of a part has as many band counts: their sums
             SELECT part, route_key, detail_key, [sum(total), sum(within_standard), sum(breaches)] AS main,
                    list_slice([{band_sums}], 1, any_value(len(bands))) AS bands
             FROM kept GROUP BY part, route_key, detail_key),
           theirs AS (
             SELECT part, route_key, detail_key, [total, within_standard, breaches] AS main, bands
             FROM checked WHERE is_england)
           SELECT coalesce(m.part, t.part), coalesce(m.route_key, t.route_key), coalesce(m.detail_key, t.detail_key),
                  list_concat(m.main, m.bands), list_concat(t.main, t.bands)
           FROM mine m FULL JOIN theirs t
             ON m.part = t.part AND m.route_key IS NOT DISTINCT FROM t.route_key
            AND m.detail_key IS NOT DISTINCT FROM t.detail_key
           WHERE list_concat(m.main, m.bands) IS DISTINCT FROM list_concat(t.main, t.bands)
           ORDER BY 1, 2, 3 LIMIT 1"""  # noqa: S608 - generated column names only
    ).fetchone()
    if diff is None:
        return
    k, route_key, detail_key, mine, theirs = diff
    part = book.parts[k]
    cols = part.cols
    names = ["TOTAL", cols.header[cols.within], "AFTER", *(cols.header[i] for i, _ in cols.bands)]
    label = " / ".join(x for x in (route_key, detail_key) if x) or "all"
    if mine is None or theirs is None:
        reason = f"England check failed for {label}: {'no organisation rows' if mine is None else 'no ALL ENGLISH row'}"
    else:
        j = next(i for i, (a, b) in enumerate(zip(mine, theirs, strict=True)) if a != b)
        reason = (
            f"England check failed for {label}: the organisation rows add up to {mine[j]} {names[j]}, "
            f"the ALL ENGLISH row says {theirs[j]}"
        )
    raise InputError(f"{reason}; the month is refused", file=file, sheet=part.sheet)


def _frontpage(grid: Grid, file: str) -> _Frontpage:
    names = [s.strip().lower() for s in grid.sheet_names]
    sheet = grid.sheet_names[names.index(FRONTPAGE)]
    cells = [clean(c) for r in grid.rows(sheet, n_rows=12) for c in r if clean(c)]
    status = next((m.group(1) for c in cells if (m := layout.STATUS_RE.match(c))), None)
    basis_m = next((m for c in cells if (m := layout.FRONTPAGE_TITLE.match(c))), None)
    if basis_m is None:
        raise InputError("Frontpage does not say 'Provider Based' or 'Commissioner Based'", file=file, sheet=sheet)
    month = next((d for c in cells if (d := _month_text(c)) is not None), None)
    if month is None:
        raise InputError("Frontpage does not state the month (e.g. 'July 2025')", file=file, sheet=sheet)
    return _Frontpage(_status(status), basis_m.group(1).lower(), month)


def _status(text: str | None) -> str | None:
    """``final`` or ``provisional`` from the Frontpage status line, else None."""
    if text is None:
        return None
    lowered = text.lower()
    if "final" in lowered:
        return "final"
    if "provisional" in lowered:
        return "provisional"
    return None


def _month_text(text: str) -> date | None:
    """A month written as ``July 2025``, ``Jul-25`` or an ISO date, else None."""
    s = text.strip()
    for fmt in ("%B %Y", "%b-%y", "%b %Y", "%B-%y"):
        try:
            d = datetime.strptime(s, fmt).date()
            return date(d.year, d.month, 1)
        except ValueError:
            continue
    m = re.match(r"^(\d{4})-(\d{2})-01(?: 00:00:00)?$", s)
    if m:
        return date(int(m.group(1)), int(m.group(2)), 1)
    return None


def _check_title_block(rows: list[list], front: _Frontpage, file: str, sheet: str) -> None:
    """The sheet's month and basis must be the Frontpage's."""
    block = [clean(c) for r in rows[:6] for c in r if clean(c)]
    month = next((d for c in block[1:] if (d := _month_text(c)) is not None), None)
    if month is None:
        raise InputError("no month in the sheet's title block", file=file, sheet=sheet)
    if month != front.month:
        raise InputError(
            f"sheet month {month:%b %Y} differs from the Frontpage's {front.month:%b %Y}", file=file, sheet=sheet
        )
    basis = next((m.group(1).lower() for c in block if (m := layout.BASIS_RE.match(c))), None)
    if basis is not None and basis != front.basis:
        raise InputError(f"sheet basis {basis!r} differs from the Frontpage's {front.basis!r}", file=file, sheet=sheet)
