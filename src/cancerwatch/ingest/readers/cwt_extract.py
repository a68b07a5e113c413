"""CWT CRS long-format extracts: provider-based and ICB sub-location (commissioner-based).

Layouts: NHS England's CWT CRS data extracts (provider, and ICB sub-location). Each data row
becomes one fact tagged with its breakdown (``fds``, ``cancer_type``, ``modality`` or
``sub_category``) so that headline figures never double-count the overlapping breakdowns.

A row is quarantined, with the column and rule named, when its PERIOD lies outside the months
CWT figures can exist for (``catalogue/data_window.toml``: from October 2009 to the current
month), when PERIOD contradicts the YEAR and MONTH cells, or when it has more values than the
header has columns. A header that repeats a column name is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from cancerwatch.catalogue.data_window import outside_cwt_window
from cancerwatch.errors import InputError
from cancerwatch.ingest.grid import EXTRA_FIELDS
from cancerwatch.ingest.parsed import FACT_SCHEMA, ParsedFile, Rejection
from cancerwatch.ingest.readers.cwt_codes import (
    ALL_CANCERS,
    ALL_MODALITIES,
    MODALITIES,
    ROUTES,
    SUB_CATEGORIES,
    extract_standards,
    tumour_scheme,
)
from cancerwatch.ingest.readers.extract_sql import valid_facts
from cancerwatch.ingest.scratch import scratch
from cancerwatch.ingest.values import (
    ValueProblem,
    check_counts,
    check_org_code,
    check_text,
    clean,
    financial_month,
    parse_count,
    parse_month_cell,
)


@dataclass(frozen=True)
class Layout:
    """Column names of one extract family."""

    kind: str
    basis: str
    org_column: str
    total_column: str
    required: tuple[str, ...]


PROVIDER = Layout(
    kind="cwt_provider",
    basis="provider",
    org_column="ORG CODE",
    total_column="TOTAL TREATED",
    required=(
        "PERIOD",
        "STANDARD",
        "ORG CODE",
        "STAGE/ROUTE",
        "TREATMENT MODALITY",
        "CANCER TYPE",
        "TOTAL TREATED",
        "WITHIN STANDARD",
        "BREACHES",
    ),
)
SUB_ICB = Layout(
    kind="cwt_sub_icb",
    basis="commissioner",
    org_column="ICB SUB LOCATION",
    total_column="TOTAL",
    required=("PERIOD", "STANDARD", "ICB SUB LOCATION", "SUB-CATEGORY", "TOTAL", "WITHIN STANDARD", "BREACHES"),
)


OPTIONAL = ("YEAR", "MONTH")  # cross-checked against PERIOD when both are present


def _and(numbers: list[int]) -> str:
    """``[9, 12, 14]`` → ``9, 12 and 14``."""
    *rest, last = map(str, numbers)
    return f"{', '.join(rest)} and {last}" if rest else last


def header_index(names: list[str], layout: Layout, file: str, sheet: str | None) -> dict[str, int]:
    """Column positions by name; InputError naming the first missing or repeated column."""
    for name in names:
        positions = [i + 1 for i, n in enumerate(names) if n == name]
        if name and len(positions) > 1:
            raise InputError(
                f"column {name!r} appears {len(positions)} times (columns {_and(positions)}); "
                "a repeated column is ambiguous: remove or rename the copies",
                file=file,
                sheet=sheet,
                row=1,
                column=name,
            )
    index = {col: names.index(col) for col in OPTIONAL if col in names}
    for col in layout.required:
        if col not in names:
            raise InputError(
                f"missing column {col!r} (found: {', '.join(n for n in names if n) or 'none'})",
                file=file,
                sheet=sheet,
                row=1,
                column=col,
            )
        index[col] = names.index(col)
    return index


SQL_COLUMNS = {
    "PERIOD": "PERIOD",
    "STANDARD": "STANDARD",
    "WITHIN": "WITHIN STANDARD",
    "BREACHES": "BREACHES",
    "ROUTE": "STAGE/ROUTE",
    "MODALITY": "TREATMENT MODALITY",
    "CANCER": "CANCER TYPE",
    "SUB": "SUB-CATEGORY",
    "YEAR": "YEAR",
    "MONTH": "MONTH",
}


def read_extract(parsed: ParsedFile, table: pa.Table, layout: Layout, sheet: str | None) -> None:
    """Validate every data row of an extract into ``parsed`` (facts and rejections).

    Rows are checked in bulk in DuckDB; any row the bulk checks do not pass is re-checked row by
    row so that its rejection names the column and the reason.
    """
    file = parsed.path.name
    if table.num_columns == 0:
        raise InputError("sheet is empty", file=file, sheet=sheet)
    names = [c.rsplit("#", 1)[0].strip().upper() for c in table.column_names]
    idx = header_index(names, layout, file, sheet)
    cols = {k: table.column_names[idx[v]] for k, v in SQL_COLUMNS.items() if v in idx}
    cols.update(ORG=table.column_names[idx[layout.org_column]], TOTAL=table.column_names[idx[layout.total_column]])
    with scratch() as con:  # the bulk checks run in a scratch in-memory database
        facts = _validate(con, parsed, table, layout, idx, cols, sheet)
    parsed.facts = facts.drop(["idx"]).cast(FACT_SCHEMA)
    parsed.months = sorted(pc.unique(parsed.facts.column("period")).to_pylist())


def _validate(
    con,
    parsed: ParsedFile,
    table: pa.Table,
    layout: Layout,
    idx: dict[str, int],
    cols: dict[str, str],
    sheet: str | None,
) -> pa.Table:
    good, bad = valid_facts(con, table, cols, provider=layout is PROVIDER)
    too_long = _rows_with_extra_fields(table)
    if too_long:
        good = good.filter(pc.invert(pc.is_in(good.column("idx"), pa.array(list(too_long), type=pa.int64()))))
        bad = sorted(set(bad) | set(too_long))
    std_map = extract_standards()
    header = [c.rsplit("#", 1)[0] for c in table.column_names]
    width = sum(1 for h in header if h != EXTRA_FIELDS)
    extra: list[tuple] = []
    blank = 0
    columns = table.columns
    for i in bad:
        row = [_text(col[i].as_py()) for col in columns]
        if i in too_long:
            reason = f"the row has {too_long[i]} values but the header has {width} columns"
            parsed.rejections.append(Rejection(i + 2, None, reason, dict(zip(header, row, strict=False)), sheet))
            continue
        if all(c is None or not c.strip() for c in row):
            blank += 1  # blank trailing rows are not data
            continue
        try:
            extra.append((i, *_row_fact(row, idx, layout, std_map)))
        except _Reject as rej:
            parsed.rejections.append(
                Rejection(i + 2, rej.column, rej.reason, dict(zip(header, row, strict=False)), sheet)
            )
    parsed.rows_read += table.num_rows - blank
    facts = good
    if extra:
        facts = pa.concat_tables([good, facts_table_with_index(extra, good.schema)])
    facts = _reject_duplicates(con, parsed, facts, table, header, sheet)
    if layout is PROVIDER:
        facts = _reject_disagreeing_breakdowns(con, parsed, facts, table, header, sheet)
    return facts


def _reject_duplicates(
    con: duckdb.DuckDBPyConnection,
    parsed: ParsedFile,
    facts: pa.Table,
    table: pa.Table,
    header: list[str],
    sheet: str | None,
) -> pa.Table:
    """Quarantine repeats of a row key (month, standard, organisation, route, modality, cancer type).

    Extracts have no duplicate keys (docs/cwt-rules.md, check figures); a repeat would be counted twice, so every
    occurrence after the first is rejected, naming the row it repeats.
    """
    try:
        con.register("f", facts)
        dups = con.execute("""
            SELECT idx, first_idx FROM (
              SELECT idx, min(idx) OVER (PARTITION BY period, standard, org_code, route, modality, cancer_type,
                                                      breakdown) AS first_idx
              FROM f) WHERE idx <> first_idx ORDER BY idx""").fetchall()
        if not dups:
            return facts
        con.register("bad", pa.table({"idx": [d[0] for d in dups]}))
        kept = con.execute("SELECT * FROM f WHERE idx NOT IN (SELECT idx FROM bad) ORDER BY idx").fetch_arrow_table()
        con.unregister("bad")
    finally:
        con.unregister("f")
    for i, first in dups:
        row = [_text(col[i].as_py()) for col in table.columns]
        parsed.rejections.append(
            Rejection(
                i + 2,
                None,
                f"duplicate of row {first + 2} (same month, standard, organisation and breakdown)",
                dict(zip(header, row, strict=False)),
                sheet,
            )
        )
    return kept


def _rows_with_extra_fields(table: pa.Table) -> dict[int, int]:
    """Row index → number of values, for CSV rows with values beyond the header (see ``Grid.table``)."""
    marked = [c for c in table.column_names if c.rsplit("#", 1)[0] == EXTRA_FIELDS]
    if not marked:
        return {}
    values = table.column(marked[0]).to_pylist()
    return {i: int(v) for i, v in enumerate(values) if v is not None}


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def facts_table_with_index(rows: list[tuple], schema: pa.Schema) -> pa.Table:
    """Facts built row by row, with their row index first, in ``schema``."""
    cols = list(zip(*rows, strict=True))
    return pa.table({f.name: pa.array(c, type=f.type) for f, c in zip(schema, cols, strict=True)})


class _Reject(Exception):
    def __init__(self, column: str | None, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def _cell(row: list, i: int) -> str | None:
    return row[i] if i < len(row) else None


def _row_fact(row: list, idx: dict[str, int], layout: Layout, std_map: dict[str, str]) -> tuple:
    try:
        period = parse_month_cell(_cell(row, idx["PERIOD"]), "PERIOD")
    except ValueProblem as p:
        raise _Reject("PERIOD", str(p)) from None
    outside = outside_cwt_window(period)
    if outside:
        raise _Reject("PERIOD", f"PERIOD {period:%Y-%m} {outside}")
    _check_financial_month(row, idx, period)
    std_text = clean(_cell(row, idx["STANDARD"]))
    standard = std_map.get(std_text.lower())
    if standard is None:
        raise _Reject("STANDARD", f"unknown standard {std_text!r}")
    org = clean(_cell(row, idx[layout.org_column])).upper()
    try:
        check_org_code(org, layout.org_column)
    except ValueProblem as p:
        raise _Reject(layout.org_column, str(p)) from None
    counts = []
    for col in (layout.total_column, "WITHIN STANDARD", "BREACHES"):
        try:
            counts.append(parse_count(_cell(row, idx[col]), col))
        except ValueProblem as p:
            raise _Reject(col, str(p)) from None
    problem = check_counts(*counts)
    if problem:
        raise _Reject("WITHIN STANDARD" if "WITHIN" in problem.split()[0] else "BREACHES", problem)
    if layout is PROVIDER:
        route, modality, cancer_type, breakdown = _provider_breakdown(row, idx, standard)
    else:
        route, modality, cancer_type, breakdown = _sub_icb_breakdown(row, idx, standard)
    scheme = tumour_scheme(standard, period) if cancer_type else None
    return (period, standard, org, route, modality, cancer_type, scheme, breakdown, *counts)


def _check_financial_month(row: list, idx: dict[str, int], period: date) -> None:
    """PERIOD must be the month the YEAR and MONTH cells name, when the extract has them."""
    if "YEAR" not in idx or "MONTH" not in idx:
        return
    year, month = clean(_cell(row, idx["YEAR"])), clean(_cell(row, idx["MONTH"]))
    if not year and not month:
        return
    try:
        named = financial_month(year, month)
    except ValueProblem as p:
        raise _Reject("YEAR" if str(p).startswith("YEAR") else "MONTH", str(p)) from None
    if named != period:
        raise _Reject("PERIOD", f"PERIOD {period:%Y-%m} contradicts YEAR {year!r} and MONTH {month!r} ({named:%Y-%m})")


def _provider_breakdown(row: list, idx: dict[str, int], standard: str) -> tuple:
    route_text = clean(_cell(row, idx["STAGE/ROUTE"]))
    route = ROUTES.get(route_text.lower())
    if route is None:
        raise _Reject("STAGE/ROUTE", f"unknown route {route_text!r} for {standard}")
    modality_text = clean(_cell(row, idx["TREATMENT MODALITY"]))
    cancer_text = clean(_cell(row, idx["CANCER TYPE"]))
    if not cancer_text:
        raise _Reject("CANCER TYPE", "CANCER TYPE is empty")
    try:
        check_text(cancer_text, "CANCER TYPE")
    except ValueProblem as p:
        raise _Reject("CANCER TYPE", str(p)) from None
    if standard == "fds":
        if modality_text:
            raise _Reject("TREATMENT MODALITY", f"FDS rows have no treatment modality, found {modality_text!r}")
        return route, None, cancer_text, "fds"
    if modality_text.lower() == ALL_MODALITIES:
        if cancer_text.lower() == ALL_CANCERS:
            raise _Reject("CANCER TYPE", "ALL CANCERS × ALL MODALITIES total rows are not part of the extract")
        return route, None, cancer_text, "cancer_type"
    modality = MODALITIES.get(modality_text.lower())
    if modality is None:
        raise _Reject("TREATMENT MODALITY", f"unknown treatment modality {modality_text!r}")
    if cancer_text.lower() != ALL_CANCERS:
        raise _Reject("CANCER TYPE", "a modality row must have CANCER TYPE 'ALL CANCERS'")
    return route, modality, None, "modality"


def _sub_icb_breakdown(row: list, idx: dict[str, int], standard: str) -> tuple:
    sub = clean(_cell(row, idx["SUB-CATEGORY"]))
    if standard == "fds":
        if sub:
            raise _Reject("SUB-CATEGORY", f"FDS rows have no sub-category, found {sub!r}")
        return None, None, None, "sub_category"
    mapped = SUB_CATEGORIES.get(sub.lower())
    if mapped is None or not sub.lower().startswith(standard[:2]):
        raise _Reject("SUB-CATEGORY", f"unknown sub-category {sub!r} for {standard}")
    return mapped[0], mapped[1], None, "sub_category"


def _reject_disagreeing_breakdowns(
    con: duckdb.DuckDBPyConnection,
    parsed: ParsedFile,
    facts: pa.Table,
    table: pa.Table,
    header: list[str],
    sheet: str | None,
) -> pa.Table:
    """Quarantine every row of a (period, provider, standard, route) whose two breakdowns disagree.

    Source: docs/cwt-rules.md, double counting — the cancer-type and modality breakdowns must sum to the
    same totals; if they do not, neither can be trusted.
    """
    try:
        con.register("f", facts)
        bad = con.execute("""
            WITH sums AS (
              SELECT period, org_code, standard, route,
                     sum(total) FILTER (WHERE breakdown = 'cancer_type') AS by_type,
                     sum(total) FILTER (WHERE breakdown = 'modality') AS by_modality
              FROM f WHERE breakdown IN ('cancer_type', 'modality') GROUP BY ALL)
            SELECT f.idx, s.period, s.org_code, s.standard, s.route, coalesce(s.by_type, 0), coalesce(s.by_modality, 0)
            FROM f JOIN sums s USING (period, org_code, standard, route)
            WHERE coalesce(s.by_type, 0) <> coalesce(s.by_modality, 0) AND f.breakdown IN ('cancer_type', 'modality')
            ORDER BY f.idx""").fetchall()
        if not bad:
            return facts
        bad_idx = [b[0] for b in bad]
        con.register("bad", pa.table({"idx": bad_idx}))
        kept = con.execute("SELECT * FROM f WHERE idx NOT IN (SELECT idx FROM bad) ORDER BY idx").fetch_arrow_table()
    finally:
        con.unregister("f")
    for i, period, org, standard, route, by_type, by_modality in bad:
        reason = (
            f"cancer-type and modality breakdowns disagree for {org} {standard} {route} {period:%Y-%m}: "
            f"totals {float(by_type):g} vs {float(by_modality):g}"
        )
        row = [_text(col[i].as_py()) for col in table.columns]
        parsed.rejections.append(Rejection(i + 2, "TOTAL TREATED", reason, dict(zip(header, row, strict=False)), sheet))
    parsed.rejections.sort(key=lambda r: r.row_number or 0)
    return kept
