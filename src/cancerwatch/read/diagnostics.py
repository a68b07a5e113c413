"""DM01 diagnostics and NHS Workforce Statistics (``diagnostics_queries``, ``workforce_queries``)
as the viewer sees them.

Both are NHS England publications (Open Government Licence), shown as published in public mode
too (:mod:`.disclosure`): the rows are the read API's, unchanged (memoised: do not
change them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cancerwatch.diagnostics_queries import DiagnosticsQuery, diagnostics
from cancerwatch.periods import parse_month
from cancerwatch.read.context import Reader
from cancerwatch.read.figures import rows_of
from cancerwatch.workforce_queries import performance_beside, workforce

PUBLISHED = "published"


@dataclass
class DiagnosticsTable:
    """DM01 rows per test, organisation and month."""

    query: DiagnosticsQuery
    rows: list[dict]
    disclosure: str


@dataclass
class WorkforceView:
    """Staff by main staff group of one organisation and month, beside its performance that month."""

    org_code: str
    org_name: str
    month: str
    rows: list[dict]
    performance: list[dict]


def diagnostics_table(reader: Reader, query: DiagnosticsQuery) -> DiagnosticsTable:
    """DM01 figures of ``query`` (kept per warehouse version)."""
    rows = reader.memo(("diagnostics", query), lambda: diagnostics(reader.con, query))
    return DiagnosticsTable(query, rows, reader.disclosure.label(PUBLISHED))


def workforce_view(
    reader: Reader, org: str | None, *, level: str = "provider", month: date | None = None
) -> WorkforceView:
    """Headcount and FTE of ``org`` in ``month`` (latest by default) and the same month's FDS, 31-day,
    62-day and DM01 figures."""
    rows = reader.memo(("workforce", org, level, month), lambda: workforce(reader.con, org, level=level, month=month))
    first = rows[0]
    on = parse_month(first["period_label"])
    perf = reader.memo(
        ("beside", org, level, on),
        lambda: performance_beside(reader.con, org, level=level, month=on, fetch=lambda q: rows_of(reader, q)),
    )
    return WorkforceView(
        first["org_code"],
        first["org_name"],
        first["period_label"],
        rows,
        perf,
    )
