"""Figures the pages and the API share, built from ``queries.metrics`` and the analytics adapter.

Each function takes the app state (for caching and disclosure control) and a warehouse
cursor. Suppression is applied after aggregation and before any SPC or funnel calculation,
so suppressed months and organisations are left out of charts rather than drawn at zero.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import replace
from datetime import date

import duckdb

from cancerwatch.api.deps import AppState
from cancerwatch.catalogue.organisations import NATIONAL_CODE, default_basis
from cancerwatch.catalogue.standards import get_standard, standards
from cancerwatch.errors import CancerwatchError, NoData, UnknownOrg, UsageError
from cancerwatch.periods import period_start as start_of_period
from cancerwatch.queries import MetricQuery, metrics
from cancerwatch.web.analytics_adapter import (
    FunnelView,
    SpcView,
    funnel_for_units,
    funnel_installed,
    spc_for_series,
    spc_installed,
)

HEADLINE_FAMILY = "consolidated"
log = logging.getLogger(__name__)


def headline_standards() -> list[str]:
    """The standards shown on overview pages: the consolidated standards from October 2023."""
    return [s.id for s in standards().values() if s.family == HEADLINE_FAMILY]


def shown_rows(state: AppState, con: duckdb.DuckDBPyConnection, query: MetricQuery) -> list[dict]:
    """``metrics`` rows for every organisation with the disclosure policy applied (cached).

    The list and its dicts are shared between requests: callers must not change them.
    """
    q = replace(query.validated(), org=None)
    label = state.suppression_label()
    return state.warehouse.memo(("metrics", q, label), lambda: state.suppress(metrics(con, q)))


def metric_rows(state: AppState, con: duckdb.DuckDBPyConnection, query: MetricQuery) -> list[dict]:
    """``metrics`` rows for ``query`` (``org`` filtered after the cached query), suppressed; read-only."""
    q = query.validated()
    rows = shown_rows(state, con, q)
    if q.org:
        rows = [r for r in rows if r["org_code"] == q.org]
        if not rows:
            raise UnknownOrg(f"no {q.level} organisation {q.org!r} with {q.standard} figures on the {q.basis} basis")
    return rows


def org_query(standard: str, level: str, org: str | None, *, period: str = "month", by: str | None = None):
    """The ``MetricQuery`` of one organisation's series (England when level is national)."""
    return MetricQuery(standard, level, period, None if level == "national" else org, by, None, None, None)


def org_series(state: AppState, con, standard: str, level: str, org: str | None, period: str = "month") -> list[dict]:
    """Performance of one organisation over time, oldest first."""
    return metric_rows(state, con, org_query(standard, level, org, period=period))


def spc_view(state: AppState, con, standard: str, level: str, org: str | None) -> tuple[list[dict], SpcView]:
    """Monthly rows of one organisation and their SPC (empty when there are no figures)."""
    try:
        rows = org_series(state, con, standard, level, org)
    except (NoData, UnknownOrg):
        return [], SpcView(False, note="No figures for this standard.")
    key = ("spc", standard, level, org or NATIONAL_CODE, state.suppression_label(), spc_installed())
    view = state.warehouse.memo(key, lambda: spc_for_series(rows, standard=standard))
    return rows, view


def period_starts(rows: list[dict]) -> list[str]:
    """Distinct ``period_start`` values of rows, newest first."""
    return sorted({r["period_start"] for r in rows}, reverse=True)


def rows_for_period(rows: list[dict], start: date | None) -> tuple[list[dict], str]:
    """The rows of one period (the latest when ``start`` is None) and its ``period_start``."""
    starts = period_starts(rows)
    if not starts:
        raise NoData("no figures for the requested periods")
    chosen = starts[0] if start is None else start.isoformat()
    if chosen not in starts:
        raise NoData(f"no figures for the period starting {chosen}; latest is {starts[0]}")
    return [r for r in rows if r["period_start"] == chosen], chosen


def funnel_view(
    state: AppState,
    con,
    standard: str,
    level: str,
    *,
    period: str = "month",
    start: date | None = None,
    overdispersion: bool = False,
) -> tuple[FunnelView, list[dict], list[str]]:
    """Funnel of every organisation at ``level`` in one period: (view, period rows, hidden codes).

    The target is England's performance in the period, as FunnelPlotR uses the overall mean.
    """
    if level == "national":
        raise UsageError("a funnel plot compares organisations: choose a level below national")
    all_rows = metric_rows(state, con, MetricQuery(standard, level, period))
    rows, chosen = rows_for_period(all_rows, start_of_period(start, period) if start else None)
    target = next((r["england_performance"] for r in rows if r.get("england_performance") is not None), None)
    key = ("funnel", standard, level, period, chosen, overdispersion, state.suppression_label(), funnel_installed())
    view = state.warehouse.memo(key, lambda: funnel_for_units(rows, target=target, overdispersion=overdispersion))
    hidden = [r["org_code"] for r in rows if r.get("performance") is None and r["org_code"] != "UNMAPPED"]
    return view, rows, hidden


def tiles(state: AppState, con, level: str, org: str | None) -> list[dict]:
    """One tile per headline standard: latest month, threshold, met, SPC icons and the series."""
    out = []
    for sid in headline_standards():
        std = get_standard(sid)
        rows, spc = spc_view(state, con, sid, level, org)
        latest = rows[-1] if rows else None
        out.append({"standard": std, "latest": latest, "rows": rows, "spc": spc})
    return out


def basis_for(level: str) -> str:
    """The basis pages use at a level (the CLI contract's default)."""
    return default_basis(level)


def warm_cache(state: AppState) -> None:
    """Compute the figures every dashboard page starts from, so first visitors do not wait.

    Run in a background thread when the server starts; failures are logged, never raised.
    """
    try:
        with state.warehouse.reader() as con:
            for sid in headline_standards():
                spc_view(state, con, sid, "national", None)
                for level in ("region", "alliance", "icb", "sub_icb", "provider"):
                    with contextlib.suppress(CancerwatchError):
                        shown_rows(state, con, MetricQuery(sid, level, "month"))
                with contextlib.suppress(CancerwatchError):
                    shown_rows(state, con, MetricQuery(sid, "alliance", "month", by="route"))
                with contextlib.suppress(CancerwatchError):
                    funnel_view(state, con, sid, "alliance")
    except Exception:
        log.exception("warming the cache failed")
