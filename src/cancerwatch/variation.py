"""The read API for variation: SPC charts of one organisation's series and funnel plots of all
organisations at a level in one period. Front ends (CLI, API, web, reports, escalation) call
these rather than assembling series themselves.

Defaults follow NHSRplotthedots (moving-range screening on, runs and trends of 7, improvement
direction from the standards catalogue, target = threshold in force in each month) and FunnelPlotR
(proportions on the arcsine scale, 95% and 99.8% limits, additive random-effects adjustment when
asked for and φ > 1). ``screen_outliers=False`` gives the Making Data Count Excel tool's limits.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

import duckdb

from cancerwatch.analytics.funnel import compute_funnel
from cancerwatch.analytics.spc import compute_spc, suggest_rebase_points
from cancerwatch.catalogue.organisations import UNMAPPED_CODE
from cancerwatch.catalogue.standards import get_standard
from cancerwatch.errors import NoData, UsageError
from cancerwatch.periods import add_months
from cancerwatch.queries import MetricQuery, metrics

POLICY_CHANGES = (date(2023, 10, 1),)  # consolidation of the CWT standards (domain brief 1.3)
FUNNEL_TARGETS = ("england", "threshold")


@dataclass
class SpcChart:
    """An SPC chart: per-point rows, per-group summary rows and suggested rebase dates."""

    standard: str
    level: str
    org_code: str
    org_name: str
    points: list[dict]
    summary: list[dict]
    suggested_rebase: list[str]
    result: object


def spc(
    con: duckdb.DuckDBPyConnection,
    *,
    standard: str,
    level: str = "national",
    org: str | None = None,
    basis: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    target: float | None = None,
    rebase: tuple[date, ...] = (),
    screen_outliers: bool = True,
    dataset: str = "published",
) -> SpcChart:
    """Monthly XmR chart of a standard's performance for one organisation (England if ``org`` is None)."""
    if level != "national" and not org:
        raise UsageError(f"--org is needed for an SPC chart at {level} level")
    rows = metrics(
        con,
        MetricQuery(
            standard=standard,
            level=level,
            period="month",
            org=org,
            basis=basis,
            date_from=date_from,
            date_to=date_to,
            dataset=dataset,
        ),
    )
    series = [r for r in rows if r["performance"] is not None]
    if not series:
        raise NoData(f"no monthly {standard} figures to chart")
    _check_no_gaps(series)
    dates = [date.fromisoformat(r["period_start"]) for r in series]
    targets = [target if target is not None else r["threshold"] for r in series]
    result = compute_spc(
        dates,
        [r["performance"] for r in series],
        improvement_direction=get_standard(standard).improvement_direction,
        target=targets,
        rebase=tuple(rebase),
        screen_outliers=screen_outliers,
    )
    points = []
    for p, r in zip(result.to_rows(), series, strict=True):
        points.append(
            {
                **p,
                "period_start": r["period_start"],
                "period_label": r["period_label"],
                "total": r["total"],
                "within_standard": r["within_standard"],
            }
        )
    summary = [{**s, "start": str(s["start"]), "end": str(s["end"])} for s in result.summary_rows()]
    suggested = [d.isoformat()[:7] for d in suggest_rebase_points(dates, POLICY_CHANGES) if d not in tuple(rebase)]
    return SpcChart(standard, level, series[0]["org_code"], series[0]["org_name"], points, summary, suggested, result)


def _check_no_gaps(series: list[dict]) -> None:
    """SPC needs one value per month without gaps (NHSRplotthedots input rule)."""
    months = [date.fromisoformat(r["period_start"]) for r in series]
    for a, b in itertools.pairwise(months):
        if add_months(a, 1) != b:
            raise NoData(f"the monthly series has a gap after {a:%Y-%m}: choose --from/--to within one run")


@dataclass
class Funnel:
    """A funnel plot: per-organisation rows, φ, τ², the target and the limit curves."""

    standard: str
    level: str
    period_label: str
    target: float
    target_kind: str
    phi: float
    tau2: float
    adjusted: bool
    rows: list[dict]
    curves: list[dict]


def funnel(
    con: duckdb.DuckDBPyConnection,
    *,
    standard: str,
    level: str,
    period: str = "month",
    period_start: date,
    target: str = "england",
    overdispersion: bool = False,
    basis: str | None = None,
) -> Funnel:
    """Funnel plot of every organisation at ``level`` for the period starting ``period_start``.

    Target ``england``: the pooled proportion of the organisations plotted (FunnelPlotR); target
    ``threshold``: the operational threshold in force. ``UNMAPPED`` is never plotted.
    """
    if target not in FUNNEL_TARGETS:
        raise UsageError(f"unknown funnel target {target!r}: use england or threshold")
    if level == "national":
        raise UsageError("a funnel compares organisations: choose a level below national")
    end = add_months(period_start, {"month": 0, "quarter": 2, "year": 11}[period])
    rows = [
        r
        for r in metrics(
            con,
            MetricQuery(
                standard=standard, level=level, period=period, basis=basis, date_from=period_start, date_to=end
            ),
        )
        if r["org_code"] != UNMAPPED_CODE and r["total"]
    ]
    rows = [r for r in rows if r["period_start"] == period_start.isoformat()]
    if not rows:
        raise NoData(f"no {standard} figures at {level} level for the period starting {period_start:%Y-%m}")
    threshold = rows[0]["threshold"]
    if target == "threshold" and threshold is None:
        raise NoData(f"no {standard} threshold in force for the period starting {period_start:%Y-%m}")
    result = compute_funnel(
        [(r["org_code"], r["org_name"], r["within_standard"], r["total"]) for r in rows],
        target=threshold if target == "threshold" else None,
        overdispersion=overdispersion,
    )
    return Funnel(
        standard,
        level,
        rows[0]["period_label"],
        result.target,
        target,
        result.phi,
        result.tau2,
        result.adjusted,
        result.to_rows(),
        result.curves().to_rows(),
    )
