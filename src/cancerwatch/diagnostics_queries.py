"""The read API for DM01 diagnostics: rows for org pages, the CLI, and capacity planning.

``diagnostics()`` answers "for this organisation and these months, per test: the waiting list,
the numbers waiting 6+ and 13+ weeks, the share waiting 6+ weeks against the DM01 standard, and
the tests done". By default it covers the tests cancer pathways depend on
(``catalogue/diagnostic_tests.csv``); ``all`` is every DM01 test together.

``capacity_and_backlog()`` gives what a capacity plan calibrates on: per organisation (an
Alliance by default), test and month, the tests done (activity) and the month-end waiting list.

Rules: ``metrics/diagnostics.py`` (current vintage only, provider-basis roll-ups valid in each
month, counts summed); the standard is met when the share waiting 6+ weeks is at or below the
threshold in force that month (``catalogue/diagnostics.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import duckdb

from cancerwatch.catalogue.diagnostics import (
    ALL_TESTS,
    DM01,
    cancer_pathway_tests,
    check_tests,
    diagnostic_test_name,
    diagnostic_tests,
    get_diagnostic_standard,
    meets,
    threshold_for,
)
from cancerwatch.catalogue.organisations import NATIONAL_CODE, NATIONAL_NAME, PROVIDER_LEVELS, UNMAPPED_CODE
from cancerwatch.errors import NoData, UnknownOrg, UsageError
from cancerwatch.metrics.diagnostics import COUNTS, diagnostics_counts
from cancerwatch.metrics.diagnostics import capacity_and_backlog as capacity_expr
from cancerwatch.periods import period_label
from cancerwatch.queries import UNMAPPED_NAMES, org_names
from cancerwatch.warehouse.connect import ibis_backend

LEVELS = PROVIDER_LEVELS  # DM01 is provider-based: no sub-ICB (patient residence) figures


@dataclass(frozen=True)
class DiagnosticsQuery:
    """A validated request for :func:`diagnostics`."""

    level: str = "national"
    org: str | None = None
    tests: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None

    def validated(self) -> DiagnosticsQuery:
        """Check every option; fill in the default tests (those cancer pathways depend on)."""
        if self.level not in LEVELS:
            raise UsageError(
                f"level {self.level!r} is not available for DM01 diagnostics (provider-based): "
                f"use one of {', '.join(LEVELS)}"
            )
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise UsageError("--from is after --to")
        tests = check_tests(self.tests) if self.tests else cancer_pathway_tests()
        org = self.org.upper() if self.org else None
        if self.level == "national":
            org = None
        return replace(self, tests=tests, org=org)


def _test_order(test: str) -> int:
    order = [*diagnostic_tests(), ALL_TESTS]
    return order.index(test)


def _counts(con: duckdb.DuckDBPyConnection, q: DiagnosticsQuery, level: str, backend=None) -> list[dict]:
    backend = backend if backend is not None else ibis_backend(con)
    expr = diagnostics_counts(
        backend.table("diagnostics_facts"),
        backend.table("org_rollup"),
        level=level,
        tests=q.tests,
        date_from=q.date_from,
        date_to=q.date_to,
    )
    return expr.to_pyarrow().to_pylist()


def _share(part: int | None, whole: int | None) -> float | None:
    return part / whole if part is not None and whole else None


def _org_name(code: str, level: str, names: dict[str, str]) -> str:
    if code == NATIONAL_CODE:
        return NATIONAL_NAME
    if code == UNMAPPED_CODE:
        return UNMAPPED_NAMES[level]
    return names.get(code, code)


def diagnostics(con: duckdb.DuckDBPyConnection, query: DiagnosticsQuery, *, backend=None) -> list[dict]:
    """DM01 rows for ``query``, sorted by month, test (DM01 order) and organisation."""
    q = query.validated()
    rows = _counts(con, q, q.level, backend)
    if q.org:
        rows = [r for r in rows if r["unit_code"] == q.org]
        if not rows:
            raise UnknownOrg(f"no {q.level} organisation {q.org!r} with DM01 figures for these months and tests")
    if not rows:
        raise NoData("no DM01 diagnostics figures are loaded for the requested months and tests")
    england = {}
    if q.level != "national":
        for r in _counts(con, q, "national", backend):
            england[(r["period"], r["test"])] = _share(r["waiting_6plus"], r["waiting_list"])
    names = org_names(con)
    std = get_diagnostic_standard(DM01)
    out = []
    for r in rows:
        month: date = r["period"]
        threshold = threshold_for(DM01, month)
        ambition = threshold_for(DM01, month, "ambition")
        share = _share(r["waiting_6plus"], r["waiting_list"])
        test = r["test"]
        out.append(
            {
                "period_start": month.isoformat(),
                "period_label": period_label(month, "month"),
                "level": q.level,
                "org_code": r["unit_code"],
                "org_name": _org_name(r["unit_code"], q.level, names),
                "test": test,
                "test_name": diagnostic_test_name(test),
                "cancer_pathway": test != ALL_TESTS and diagnostic_tests()[test].cancer_pathway,
                **{c: int(r[c]) for c in COUNTS[:3]},
                "share_6plus": share,
                "share_13plus": _share(r["waiting_13plus"], r["waiting_list"]),
                "standard": std.id,
                "threshold": threshold.value if threshold else None,
                "met": meets(share, threshold.value if threshold else None, std.improvement_direction),
                "ambition": ambition.value if ambition else None,
                "ambition_month": ambition.applies_to_month.isoformat()[:7]
                if ambition and ambition.applies_to_month
                else None,
                "england_share_6plus": england.get((month, test)),
                **{c: int(r[c]) for c in COUNTS[3:]},
                "total_activity": int(r["total_activity"]),
                "providers": int(r["providers"]),
            }
        )
    out.sort(key=lambda r: (r["period_start"], _test_order(r["test"]), r["org_code"] == UNMAPPED_CODE, r["org_code"]))
    return out


def capacity_and_backlog(
    con: duckdb.DuckDBPyConnection,
    org: str,
    *,
    level: str = "alliance",
    tests: tuple[str, ...] = (),
    date_from: date | None = None,
    date_to: date | None = None,
    backend=None,
) -> list[dict]:
    """Per test and month for one organisation: activity (tests done) and backlog (waiting list).

    The inputs ``cancerwatch plan`` needs to use DM01 activity as capacity and the waiting list as
    the starting backlog. ``tests`` defaults to the cancer-pathway tests.
    """
    q = DiagnosticsQuery(level=level, org=org, tests=tests, date_from=date_from, date_to=date_to).validated()
    backend = backend if backend is not None else ibis_backend(con)
    expr = capacity_expr(
        backend.table("diagnostics_facts"),
        backend.table("org_rollup"),
        level=q.level,
        tests=q.tests,
        date_from=q.date_from,
        date_to=q.date_to,
    )
    code = q.org or NATIONAL_CODE
    rows = [r for r in expr.to_pyarrow().to_pylist() if r["unit_code"] == code]
    if not rows:
        raise UnknownOrg(f"no {q.level} organisation {code!r} with DM01 figures for these months and tests")
    out = [
        {
            "period_start": r["period"].isoformat(),
            "test": r["test"],
            "activity": int(r["activity"]),
            "backlog": int(r["backlog"]),
            "backlog_6plus": int(r["backlog_6plus"]),
        }
        for r in rows
    ]
    out.sort(key=lambda r: (r["test"], r["period_start"]))
    return out
