"""Legacy commissioner-based monthly workbooks (one sheet per legacy measure).

Layout: docs/cwt-rules.md, commissioner workbooks. The header row is found by its code cell (``CCG CODE`` to June 2022,
``ODS CODE`` from July 2022); the month comes from the ``PERIOD: JUL 2023/24`` title line. Rows
are CCGs (2021 editions) or ICBs and commissioning hubs (from July 2022). The percentage column
is ignored (it is sometimes blank) and recomputed from the counts.
"""

from __future__ import annotations

import re

from cancerwatch.catalogue.standards import standards
from cancerwatch.errors import InputError
from cancerwatch.ingest.grid import Grid
from cancerwatch.ingest.parsed import ParsedFile, Rejection, facts_table
from cancerwatch.ingest.values import ValueProblem, check_counts, clean, month_from_fy, parse_count

CODE_HEADERS = ("CCG CODE", "ODS CODE")
_PERIOD_RE = re.compile(r"PERIOD:\s*([A-Z]{3})\s+(\d{4})/\d{2}", re.IGNORECASE)


def sheet_standards() -> dict[str, str]:
    """Workbook sheet name → standard id, from the catalogue."""
    return {s.workbook_sheet: s.id for s in standards().values() if s.workbook_sheet}


def looks_like_workbook(sheet_names: list[str]) -> bool:
    """True when most of the legacy measure sheets are present."""
    return len(set(sheet_names) & set(sheet_standards())) >= 3


def read_commissioner_workbook(parsed: ParsedFile, grid: Grid) -> None:
    """Read every measure sheet of a legacy commissioner workbook into ``parsed``."""
    file = parsed.path.name
    by_sheet = sheet_standards()
    facts: list[tuple] = []
    for sheet in grid.sheet_names:
        if sheet == "Frontpage":
            status = " ".join(clean(r[0]) for r in grid.rows(sheet)[:2] if r)
            parsed.publication = status.replace("Status:", "").strip() or None
            continue
        standard = by_sheet.get(sheet.strip())
        if standard is None:
            continue
        rows = grid.rows(sheet)
        month = _sheet_month(rows, file, sheet)
        header_at, cols = _header(rows, file, sheet)
        for n in range(header_at + 1, len(rows)):
            row = rows[n]
            code = clean(row[cols["code"]]) if cols["code"] < len(row) else ""
            if not code and all(not clean(c) for c in row):
                continue
            parsed.rows_read += 1
            raw = row
            if not code:
                parsed.rejections.append(Rejection(n + 1, "CODE", "organisation code is empty", raw, sheet))
                continue
            try:
                counts = [
                    parse_count(row[cols[c]] if cols[c] < len(row) else None, c) for c in ("TOTAL", "WITHIN", "AFTER")
                ]
            except ValueProblem as p:
                parsed.rejections.append(Rejection(n + 1, str(p).split()[0], str(p), raw, sheet))
                continue
            problem = check_counts(*counts)
            if problem:
                parsed.rejections.append(Rejection(n + 1, "WITHIN", problem, raw, sheet))
                continue
            facts.append((month, standard, code.upper(), None, None, None, None, "headline", *counts))
    if parsed.rows_read == 0:
        raise InputError("no measure sheets with data found", file=file)
    parsed.facts = facts_table(facts)
    parsed.months = sorted({f[0] for f in facts})


def _sheet_month(rows: list[list], file: str, sheet: str):
    for r in rows[:6]:
        for c in r:
            m = _PERIOD_RE.search(clean(c))
            if m:
                try:
                    return month_from_fy(m.group(1), int(m.group(2)))
                except ValueError:
                    break
    raise InputError("no 'PERIOD: MON YYYY/YY' title line in the first rows", file=file, sheet=sheet)


def _header(rows: list[list], file: str, sheet: str) -> tuple[int, dict[str, int]]:
    for i, r in enumerate(rows[:20]):
        names = [clean(c).upper() for c in r]
        code_col = next((j for j, v in enumerate(names) if v in CODE_HEADERS), None)
        if code_col is None:
            continue
        cols = {"code": code_col}
        for key, prefix in (("TOTAL", "TOTAL"), ("WITHIN", "WITHIN"), ("AFTER", "AFTER")):
            j = next((j for j, v in enumerate(names) if v.startswith(prefix)), None)
            if j is None:
                raise InputError(
                    f"missing column starting {prefix!r}", file=file, sheet=sheet, row=i + 1, column=prefix
                )
            cols[key] = j
        return i, cols
    raise InputError("no header row with 'CCG CODE' or 'ODS CODE' in the first 20 rows", file=file, sheet=sheet)
