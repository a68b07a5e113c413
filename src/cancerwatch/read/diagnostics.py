"""DM01 diagnostics and NHS Workforce Statistics (``diagnostics_queries``, ``workforce_queries``)
as the viewer sees them.

Both are NHS England publications (Open Government Licence), shown as published in public mode
too (:mod:`.disclosure`): the rows are the read API's, unchanged (memoised: do not
change them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cancerwatch.catalogue.diagnostics import cancer_pathway_tests
from cancerwatch.diagnostics_queries import DiagnosticsQuery, diagnostics
from cancerwatch.errors import UsageError
from cancerwatch.periods import parse_month
from cancerwatch.read.context import Reader
from cancerwatch.read.figures import rows_of
from cancerwatch.read.prepared import level_month_rows
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


def level_month_diagnostics(reader: Reader, level: str, month: date, tests: tuple[str, ...] = ()) -> list[dict]:
    """DM01 rows of ``tests`` (default: those cancer pathways depend on) for every organisation at
    ``level`` in ``month`` ([] when none); prepared at load time (``cancerwatch.read.preparation``).
    One organisation's rows are these rows filtered (:func:`org_diagnostics`):
    :func:`~cancerwatch.diagnostics_queries.diagnostics` computes the level and filters too."""

    query = DiagnosticsQuery(level=level, tests=tests, date_from=month, date_to=month)
    return level_month_rows(reader, "diagnostics", (level, *tests), month, lambda: diagnostics(reader.con, query))


def org_diagnostics(reader: Reader, query: DiagnosticsQuery) -> list[dict]:
    """The rows :func:`~cancerwatch.diagnostics_queries.diagnostics` gives for one month of one
    organisation (England's at the national level), from :func:`level_month_diagnostics`; [] when none."""
    q = query.validated()
    if q.date_from is None or q.date_from != q.date_to:
        raise UsageError("org_diagnostics reads one month")
    tests = () if q.tests == cancer_pathway_tests() else q.tests
    rows = level_month_diagnostics(reader, q.level, q.date_from, tests)
    return rows if q.org is None else [r for r in rows if r["org_code"] == q.org]


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
        lambda: performance_beside(
            reader.con,
            org,
            level=level,
            month=on,
            fetch=lambda q: rows_of(reader, q),
            fetch_diagnostics=lambda q: org_diagnostics(reader, q),
        ),
    )
    return WorkforceView(
        first["org_code"],
        first["org_name"],
        first["period_label"],
        rows,
        perf,
    )
