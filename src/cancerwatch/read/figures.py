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

from collections.abc import Sequence
from datetime import date

from cancerwatch.catalogue.organisations import NATIONAL_CODE, UNMAPPED_CODE
from cancerwatch.errors import NoData, UnknownOrg, UsageError
from cancerwatch.queries import MetricQuery, metrics, metrics_of_standards
from cancerwatch.read.context import Reader
from cancerwatch.read.prepared import prepared_funnel, prepared_rows, prepared_spc
from cancerwatch.read.succession import predecessor_months, with_predecessors
from cancerwatch.variation import (
    FunnelView,
    SpcChart,
    SpcView,
    funnel_or_note,
    latest_run,
    spc_of_rows,
    spc_or_note,
)
from cancerwatch.warehouse.organisations import find_organisation


def rows_of(reader: Reader, query: MetricQuery) -> list[dict]:
    """``metrics`` rows of ``query`` (kept per warehouse version; do not change them).

    Raises NoData as ``metrics`` does (the answer is kept too)."""
    q = query.validated()

    def compute() -> list[dict] | NoData:
        try:
            kept = prepared_rows(reader, q) if reader.prepared else None
            return kept if kept is not None else metrics(reader.con, q)
        except NoData as exc:
            return exc

    got = reader.memo(("metrics", q), compute)
    if isinstance(got, NoData):
        raise NoData(str(got))
    return got


def rows_together(reader: Reader, queries: Sequence[MetricQuery]) -> dict[MetricQuery, list[dict] | NoData]:
    """The rows of queries that differ only in their standard, from one expression, each kept as
    :func:`rows_of` keeps it (keys: the validated queries)."""
    results = metrics_of_standards(reader.con, queries)
    for q, rows in results.items():
        reader.memo(("metrics", q), lambda rows=rows: rows)  # type: ignore[misc]
    return results


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
    basis: str | None = None,
) -> list[dict]:
    """One organisation's rows, oldest first (England's when ``level`` is national).

    An Alliance formed from others (East of England from April 2024) reads, in the months before
    it started, as the sum of its predecessors, each such row marked (:mod:`.succession`)."""
    code = NATIONAL_CODE if level == "national" else (org or "").upper()
    every = level_rows(reader, standard, level, period, by=by, dataset=dataset, basis=basis)
    rows = [r for r in every if r["org_code"] == code]
    if level == "alliance" and by is None and period == "month" and predecessor_months(code):
        name = rows[0]["org_name"] if rows else code
        return reader.memo(("succession", standard, code, dataset), lambda: with_predecessors(rows, every, code, name))
    return rows


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
        kept = prepared_spc(reader, key) if reader.prepared else None
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
        kept = prepared_funnel(reader, key) if reader.prepared else None
        if kept is not None:
            return kept
        rows = level_rows(reader, standard, level, period, dataset=dataset)
        try:
            chosen, _ = in_period([r for r in rows if r["org_code"] != UNMAPPED_CODE], start)
        except NoData as exc:
            return FunnelView(False, note=f"Funnel plot not available: {exc}")
        return funnel_or_note(chosen)

    return reader.memo(key, compute)


def spc_chart(
    reader: Reader,
    standard: str,
    level: str = "national",
    org: str | None = None,
    *,
    basis: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    target: float | None = None,
    rebase: Sequence[date] | None = None,
    screen_outliers: bool | None = None,
) -> SpcChart:
    """An organisation's monthly XmR chart as the pages draw it (successor Alliances read with their
    predecessors, the latest run of consecutive months), with the command line's overrides."""
    if level != "national" and not org:
        raise UsageError(f"--org is needed for an SPC chart at {level} level")
    if level != "national" and find_organisation(reader.con, org or "", level) is None:
        raise UnknownOrg(f"no {level} organisation {org!r}")
    rows = [
        r
        for r in series(reader, standard, level, org, basis=basis)
        if (date_from is None or r["period_start"] >= date_from.isoformat())
        and (date_to is None or r["period_start"] <= date_to.isoformat())
    ]
    run, _ = latest_run(rows)
    if not run:
        raise NoData(f"no {standard} figures for {org or 'England'} in the months asked for")
    view = spc_of_rows(standard, run, target=target, rebase=rebase, screen_outliers=screen_outliers)
    return SpcChart(standard, level, run[0]["org_code"], run[0]["org_name"], view)
