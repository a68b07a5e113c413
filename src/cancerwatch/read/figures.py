"""The few functions every view reads figures through.

- :func:`level_rows`: every organisation at a level, every period (one standard, period type,
  breakdown and dataset);
- :func:`series`: one organisation's rows (England when the level is national);
- :func:`spc_for` and :func:`funnel_for`: the variation policy applied to those rows.

Rows are unrounded (verdicts are computed from them); :func:`shown` applies the viewer's
disclosure policy. Each reads the view prepared at load time when there is one
(:mod:`cancerwatch.read.prepared`), else runs the metric expression; either way the result is
kept per warehouse version.
"""

from __future__ import annotations

from datetime import date

from cancerwatch.catalogue.organisations import NATIONAL_CODE, UNMAPPED_CODE
from cancerwatch.errors import NoData, UnknownOrg
from cancerwatch.queries import MetricQuery, metrics
from cancerwatch.read.context import Reader
from cancerwatch.read.prepared import prepared_funnel, prepared_rows, prepared_spc
from cancerwatch.variation import FunnelView, SpcView, funnel_or_note, spc_or_note


def rows_of(reader: Reader, query: MetricQuery) -> list[dict]:
    """``metrics`` rows of ``query`` (kept per warehouse version; do not change them)."""
    q = query.validated()

    def compute() -> list[dict]:
        kept = prepared_rows(reader.con, q) if reader.prepared else None
        return kept if kept is not None else metrics(reader.con, q)

    return reader.memo(("metrics", q), compute)


def level_rows(
    reader: Reader,
    standard: str,
    level: str,
    period: str = "month",
    *,
    by: str | None = None,
    dataset: str = "published",
    basis: str | None = None,
) -> list[dict]:
    """Every organisation's rows at ``level`` (empty when there are none)."""
    try:
        return rows_of(reader, MetricQuery(standard, level, period, None, by, None, None, basis, dataset))
    except (NoData, UnknownOrg):
        return []


def series(
    reader: Reader,
    standard: str,
    level: str,
    org: str | None,
    *,
    period: str = "month",
    by: str | None = None,
    dataset: str = "published",
) -> list[dict]:
    """One organisation's rows, oldest first (England's when ``level`` is national)."""
    code = NATIONAL_CODE if level == "national" else (org or "").upper()
    return [r for r in level_rows(reader, standard, level, period, by=by, dataset=dataset) if r["org_code"] == code]


def shown(reader: Reader, rows: list[dict], dataset: str = "published") -> list[dict]:
    """``rows`` as the viewer may see them (disclosure policy; new dicts)."""
    return reader.disclosure.show(rows, dataset)


def period_starts(rows: list[dict]) -> list[str]:
    """Distinct ``period_start`` values of rows that have an organisation's figures, newest first.

    A period whose only row is ``UNMAPPED`` has no organisation to show (the sub-ICB level after
    October 2023, when NHS England's monthly commissioner workbooks give ICBs only), so it is not
    offered and never chosen as the latest."""
    return sorted({r["period_start"] for r in rows if r["org_code"] != UNMAPPED_CODE}, reverse=True)


def in_period(rows: list[dict], start: date | None) -> tuple[list[dict], str]:
    """The rows of one period (the latest when ``start`` is None) and its ``period_start``."""
    starts = period_starts(rows)
    if not starts:
        raise NoData("no figures for the requested periods")
    chosen = starts[0] if start is None else start.isoformat()
    if chosen not in starts:
        raise NoData(f"no figures for the period starting {chosen}; latest is {starts[0]}")
    return [r for r in rows if r["period_start"] == chosen], chosen


def latest(rows: list[dict]) -> list[dict]:
    """The rows of the latest period (empty when there are none)."""
    return in_period(rows, None)[0] if rows else []


def spc_for(reader: Reader, standard: str, level: str, org: str | None, dataset: str = "published") -> SpcView:
    """The policy's SPC of one organisation's monthly series (from unrounded figures)."""
    code = NATIONAL_CODE if level == "national" else (org or "").upper()
    key = ("spc", standard, level, code, dataset)

    def compute() -> SpcView:
        kept = prepared_spc(reader.con, key) if reader.prepared else None
        return (
            kept if kept is not None else spc_or_note(standard, series(reader, standard, level, code, dataset=dataset))
        )

    return reader.memo(key, compute)


def funnel_for(
    reader: Reader,
    standard: str,
    level: str,
    period: str = "month",
    start: date | None = None,
    dataset: str = "published",
) -> FunnelView:
    """The policy's funnel of every organisation at ``level`` in one period (latest by default)."""

    key = ("funnel", standard, level, period, start, dataset)

    def compute() -> FunnelView:
        kept = prepared_funnel(reader.con, key) if reader.prepared else None
        if kept is not None:
            return kept
        rows = level_rows(reader, standard, level, period, dataset=dataset)
        try:
            chosen, _ = in_period([r for r in rows if r["org_code"] != UNMAPPED_CODE], start)
        except NoData as exc:
            return FunnelView(False, note=f"Funnel plot not available: {exc}")
        return funnel_or_note(chosen)

    return reader.memo(key, compute)
