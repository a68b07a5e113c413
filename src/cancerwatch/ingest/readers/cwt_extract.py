"""CWT CRS long-format extracts: provider-based and ICB sub-location (commissioner-based).

Layouts: domain brief 3.2 (provider) and 3.5 (ICB sub-location). Each data row becomes one
fact tagged with its breakdown (``fds``, ``cancer_type``, ``modality`` or ``sub_category``) so
that headline figures never double-count the overlapping breakdowns (brief 3.3).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from cancerwatch.errors import InputError
from cancerwatch.ingest.parsed import ParsedFile, Rejection, facts_table
from cancerwatch.ingest.readers.cwt_codes import (
    ALL_CANCERS,
    ALL_MODALITIES,
    MODALITIES,
    ROUTES,
    SUB_CATEGORIES,
    extract_standards,
    tumour_scheme,
)
from cancerwatch.ingest.values import ValueProblem, check_counts, clean, parse_count, parse_month_cell


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


def header_index(header: list[str | None], layout: Layout, file: str, sheet: str | None) -> dict[str, int]:
    """Column positions by name; InputError naming the first missing column."""
    names = [clean(h).upper() for h in header]
    index = {}
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


def read_extract(parsed: ParsedFile, rows: list[list[str | None]], layout: Layout, sheet: str | None) -> None:
    """Validate every data row of an extract into ``parsed`` (facts and rejections)."""
    file = parsed.path.name
    if not rows:
        raise InputError("sheet is empty", file=file, sheet=sheet)
    idx = header_index(rows[0], layout, file, sheet)
    std_map = extract_standards()
    facts: list[tuple] = []
    fact_rows: list[int] = []
    for n, row in enumerate(rows[1:], start=2):
        if all(c is None or not str(c).strip() for c in row):
            continue  # blank trailing rows are not data
        parsed.rows_read += 1
        raw = dict(zip((clean(h) for h in rows[0]), row, strict=False))
        try:
            fact = _row_fact(row, idx, layout, std_map)
        except _Reject as rej:
            parsed.rejections.append(Rejection(n, rej.column, rej.reason, raw, sheet))
            continue
        facts.append(fact)
        fact_rows.append(n)
    if layout is PROVIDER:
        facts, fact_rows = _reject_disagreeing_breakdowns(parsed, facts, fact_rows, rows, sheet)
    parsed.facts = facts_table(facts)
    parsed.months = sorted({f[0] for f in facts})


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
    std_text = clean(_cell(row, idx["STANDARD"]))
    standard = std_map.get(std_text.lower())
    if standard is None:
        raise _Reject("STANDARD", f"unknown standard {std_text!r}")
    org = clean(_cell(row, idx[layout.org_column])).upper()
    if not org:
        raise _Reject(layout.org_column, f"{layout.org_column} is empty")
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


def _provider_breakdown(row: list, idx: dict[str, int], standard: str) -> tuple:
    route_text = clean(_cell(row, idx["STAGE/ROUTE"]))
    route = ROUTES.get(route_text.lower())
    if route is None:
        raise _Reject("STAGE/ROUTE", f"unknown route {route_text!r} for {standard}")
    modality_text = clean(_cell(row, idx["TREATMENT MODALITY"]))
    cancer_text = clean(_cell(row, idx["CANCER TYPE"]))
    if not cancer_text:
        raise _Reject("CANCER TYPE", "CANCER TYPE is empty")
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
    parsed: ParsedFile, facts: list[tuple], fact_rows: list[int], rows: list[list], sheet: str | None
) -> tuple[list[tuple], list[int]]:
    """Quarantine every row of a (period, provider, standard, route) whose two breakdowns disagree.

    Source: domain brief 3.3 rule 3 — the cancer-type and modality breakdowns must sum to the
    same totals; if they do not, neither can be trusted.
    """
    sums: dict[tuple, dict[str, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0]))
    for f in facts:
        if f[7] in ("cancer_type", "modality"):
            acc = sums[(f[0], f[2], f[1], f[3])][f[7]]
            acc[0] += f[8]
            acc[1] += f[9]
    bad = {k for k, v in sums.items() if v["cancer_type"] != v["modality"]}
    if not bad:
        return facts, fact_rows
    kept, kept_rows = [], []
    header = [clean(h) for h in rows[0]]
    for f, n in zip(facts, fact_rows, strict=True):
        key = (f[0], f[2], f[1], f[3])
        if key in bad:
            b = sums[key]
            reason = (
                f"cancer-type and modality breakdowns disagree for {f[2]} {f[1]} {f[3]} "
                f"{f[0]:%Y-%m}: totals {b['cancer_type'][0]:g} vs {b['modality'][0]:g}"
            )
            parsed.rejections.append(
                Rejection(n, "TOTAL TREATED", reason, dict(zip(header, rows[n - 1], strict=False)), sheet)
            )
        else:
            kept.append(f)
            kept_rows.append(n)
    return kept, kept_rows
