"""NHS England's national time series workbooks (monthly, quarterly and annual sheets).

Layout: docs/cwt-rules.md, national time series — one block of columns per measure (period, Total, Within Standard,
Outside Standard, Performance), the measure title two rows above the header. Measures are
matched to catalogue standards by the ``national_series_pattern`` of each standard.
"""

from __future__ import annotations

import re
from datetime import date

from cancerwatch.catalogue.standards import standards
from cancerwatch.errors import InputError
from cancerwatch.ingest.grid import Grid
from cancerwatch.ingest.parsed import ParsedFile, Rejection, national_table
from cancerwatch.ingest.values import ValueProblem, check_counts, clean, parse_count, parse_month_cell
from cancerwatch.periods import period_label

SHEETS = {
    "Monthly Data": "month",
    "Quarterly Data": "quarter",
    "Annual Data": "year",
    "Monthly Performance": "month",
    "Quarterly Performance": "quarter",
    "Annual Performance": "year",
}
_QUARTER_RE = re.compile(r"^(\d{2})/(\d{2})\s*Q([1-4])$")
_YEAR_RE = re.compile(r"^(\d{4})/(\d{2})$")


def looks_like_national_series(sheet_names: list[str]) -> bool:
    """True for a national time series workbook."""
    return "Cover" in sheet_names and any(s in SHEETS for s in sheet_names)


def _standard_for(title: str) -> str | None:
    for s in standards().values():
        if s.national_series_pattern and re.search(s.national_series_pattern, title, re.IGNORECASE):
            return s.id
    return None


def _period(label: str, period_type: str) -> date:
    if period_type == "month":
        return parse_month_cell(label, "period")
    if period_type == "quarter":
        m = _QUARTER_RE.match(label)
        if not m:
            raise ValueProblem(f"quarter label {label!r} is not like '23/24 Q1'")
        start_year = 2000 + int(m.group(1))
        month = (4, 7, 10, 1)[int(m.group(3)) - 1]
        return date(start_year if month >= 4 else start_year + 1, month, 1)
    m = _YEAR_RE.match(label)
    if not m:
        raise ValueProblem(f"year label {label!r} is not a complete financial year like '2022/23'")
    return date(int(m.group(1)), 4, 1)


def read_national_series(parsed: ParsedFile, grid: Grid) -> None:
    """Read every measure block of every period sheet into ``parsed.national``."""
    file = parsed.path.name
    out: list[tuple] = []
    for sheet in grid.sheet_names:
        period_type = SHEETS.get(sheet)
        if period_type is None:
            continue
        rows = grid.rows(sheet)
        header_at = next(
            (
                i
                for i, r in enumerate(rows[:10])
                if r and clean(r[0]).lower() in ("monthly", "quarterly", "year", "annual", "month", "quarter")
            ),
            None,
        )
        if header_at is None or header_at < 2:
            raise InputError("no period header row ('Monthly', 'Quarterly' or 'Year')", file=file, sheet=sheet)
        header = rows[header_at]
        title_row = rows[header_at - 2]
        blocks = [
            j
            for j, v in enumerate(header)
            if clean(v).lower() in ("monthly", "quarterly", "year", "annual", "month", "quarter")
        ]
        for j in blocks:
            title = clean(title_row[j + 1]) if j + 1 < len(title_row) else ""
            standard = _standard_for(title)
            if standard is None:
                continue
            for n in range(header_at + 1, len(rows)):
                row = rows[n]
                label = clean(row[j]) if j < len(row) else ""
                cells = [row[j + k] if j + k < len(row) else None for k in (1, 2, 3)]
                if not label or all(not clean(c) or clean(c).lower() == "no standard set" for c in cells):
                    continue  # before the measure existed
                parsed.rows_read += 1
                raw = {"label": label, "total": cells[0], "within": cells[1], "outside": cells[2], "measure": title}
                try:
                    start = _period(label, period_type)
                    counts = [
                        parse_count(c, name)
                        for c, name in zip(cells, ("Total", "Within Standard", "Outside Standard"), strict=True)
                    ]
                except ValueProblem as p:
                    parsed.rejections.append(Rejection(n + 1, title[:40], str(p), raw, sheet))
                    continue
                problem = check_counts(*counts)
                if problem:
                    parsed.rejections.append(Rejection(n + 1, title[:40], problem, raw, sheet))
                    continue
                out.append((period_type, start, period_label(start, period_type), standard, *counts))
    if not out and not parsed.rejections:
        raise InputError("no recognised measures in the national time series", file=file)
    parsed.national = national_table(out)
    parsed.months = sorted({r[1] for r in out if r[0] == "month"})
