"""The variation policy applied: SPC charts of one organisation's series and funnel plots of the
organisations at a level in one period, for every front end (web, JSON API, CLI, reports) and
for escalation, so that all of them give the same verdicts.

The policy is data (``catalogue/variation_policy.toml``, :mod:`cancerwatch.catalogue.variation_policy`):

- SPC (NHSRplotthedots 0.2.2): XmR limits with moving-range screening, runs and trends of 7,
  improvement direction from the standards catalogue, target = the threshold in force in each
  month, rebased at the policy's dates for the standard (October 2023 for the 31-day and 62-day
  combined standards) when they fall inside the series; groups of fewer than 13 points have
  trial limits.
- Funnels (FunnelPlotR 0.6.0, proportions): arcsine limits at 95% and 99.8% around England's
  performance in the period, adjusted for overdispersion (additive τ²) whenever φ > 1 and at
  least ``min_units`` organisations are plotted; ``UNMAPPED`` and organisations without patients
  are never plotted.

Verdicts are computed here from unrounded figures, before any disclosure control.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import duckdb

from cancerwatch.analytics.funnel import compute_funnel
from cancerwatch.analytics.spc import compute_spc
from cancerwatch.catalogue.organisations import NATIONAL_CODE, UNMAPPED_CODE
from cancerwatch.catalogue.standards import get_standard
from cancerwatch.catalogue.variation_policy import FUNNEL_TARGETS, variation_policy
from cancerwatch.errors import NoData, UsageError
from cancerwatch.periods import add_months
from cancerwatch.queries import MetricQuery, metrics

CURVE_HEADROOM = 1.3
"""Funnel limit curves are drawn to 1.3 × the largest denominator (the charts' right edge)."""

VARIATION_TEXT = {
    "common_cause": "Common-cause variation: no significant change",
    "special_cause_improvement": "Special-cause variation: improvement",
    "special_cause_concern": "Special-cause variation: concern",
    "special_cause_neutral_high": "Special-cause variation: unusually high (no judgement)",
    "special_cause_neutral_low": "Special-cause variation: unusually low (no judgement)",
}
ASSURANCE_TEXT = {
    "consistent_pass": "Consistently passes the threshold",
    "consistent_fail": "Consistently fails the threshold",
    "inconsistent": "Hits and misses the threshold: passing is not assured",
}
POSITION_TEXT = {
    "low": "below the 99.8% limit: significantly lower than England (low outlier)",
    "high": "above the 99.8% limit: significantly higher than England (high outlier)",
    "below_95": "between the lower 95% and 99.8% limits: lower than England, worth watching",
    "above_95": "between the upper 95% and 99.8% limits: higher than England",
    "within": "within the 95% limits: consistent with England",
}


@dataclass
class SpcView:
    """SPC of one monthly series under the policy, or why there is none."""

    available: bool
    points: list[dict] = field(default_factory=list)
    summary: list[dict] = field(default_factory=list)
    variation_type: str | None = None
    assurance_type: str | None = None
    rebased_at: list[str] = field(default_factory=list)
    trial_limits: bool = False
    note: str | None = None
    gap_note: str | None = None
    """Set when the series has gaps: the chart covers only its latest run of consecutive months."""

    @property
    def variation_text(self) -> str:
        """Plain-English meaning of the variation icon."""
        return VARIATION_TEXT.get(self.variation_type or "", "—")

    @property
    def assurance_text(self) -> str:
        """Plain-English meaning of the assurance icon."""
        return ASSURANCE_TEXT.get(self.assurance_type or "", "No assurance (no threshold, or a neutral measure)")

    @property
    def current_trial(self) -> bool:
        """True when the latest group's limits are trial limits (too few points to settle)."""
        return bool(self.summary and self.summary[-1].get("short_group_warning"))


@dataclass
class FunnelView:
    """A funnel plot of one period under the policy, or why there is none."""

    available: bool
    rows: list[dict] = field(default_factory=list)
    curves: list[dict] = field(default_factory=list)
    target: float | None = None
    target_kind: str = "england"
    phi: float | None = None
    tau2: float | None = None
    adjusted: bool = False
    period_start: str | None = None
    period_label: str | None = None
    hidden: list[str] = field(default_factory=list)
    note: str | None = None

    def row_of(self, code: str) -> dict | None:
        """The plotted row of organisation ``code``, if any."""
        return next((r for r in self.rows if r["org_code"] == code), None)

    def position(self, code: str) -> str | None:
        """Where ``code`` lies: ``low`` / ``high`` (outside 99.8%), ``below_95`` / ``above_95``, ``within``."""
        r = self.row_of(code)
        if r is None or r.get("performance") is None:
            return None
        if r.get("outlier") in ("low", "high"):
            return str(r["outlier"])
        if r["performance"] < r["lower95"]:
            return "below_95"
        if r["performance"] > r["upper95"]:
            return "above_95"
        return "within"

    def position_text(self, code: str) -> str | None:
        """:meth:`position` in words."""
        p = self.position(code)
        return POSITION_TEXT[p] if p else None


# -- SPC ------------------------------------------------------------------------------------------


def spc_of_rows(
    standard: str | None,
    rows: Sequence[dict],
    *,
    target: float | None = None,
    rebase: Sequence[date] | None = None,
    screen_outliers: bool | None = None,
    improvement_direction: str | None = None,
) -> SpcView:
    """SPC of the monthly metric ``rows`` of one organisation (time order) under the policy.

    Months without a performance (no patients) are left out; the rest must be consecutive
    (NHSRplotthedots input rule), else NoData names the gap. ``target`` replaces the threshold
    in force, ``rebase`` the policy's dates for ``standard`` (``()`` for none), ``screen_outliers``
    its screening; ``improvement_direction`` defaults to the standard's (catalogue). Without a
    ``standard`` the series has no rebase dates and needs an ``improvement_direction``.
    """
    policy = variation_policy().spc
    series = [r for r in rows if r.get("performance") is not None]
    if not series:
        raise NoData(f"no monthly {standard or ''} figures to chart".replace("  ", " "))
    dates = [date.fromisoformat(str(r["period_start"])[:10]) for r in series]
    for a, b in itertools.pairwise(dates):
        if add_months(a, 1) != b:
            raise NoData(f"the monthly series has a gap after {a:%Y-%m}: choose --from/--to within one run")
    policy_dates = policy.rebase_dates(standard) if standard else ()
    dates_rebase = policy_dates if rebase is None else tuple(rebase)
    direction = improvement_direction or (get_standard(standard).improvement_direction if standard else None)
    if direction is None:
        raise UsageError("an SPC chart needs a standard or an improvement direction")
    result = compute_spc(
        dates,
        [float(r["performance"]) for r in series],
        improvement_direction=direction,
        target=[target if target is not None else r.get("threshold") for r in series],
        rebase=dates_rebase,
        screen_outliers=policy.screen_outliers if screen_outliers is None else screen_outliers,
        short_group_threshold=policy.settled_points,
    )
    points = []
    for p, r in zip(result.to_rows(), series, strict=True):
        points.append(
            {
                **p,
                "period_start": p["period_start"].isoformat(),
                "period_label": r.get("period_label"),
                "total": r.get("total"),
                "within_standard": r.get("within_standard"),
            }
        )
    summary = [{**s, "start": s["start"].isoformat(), "end": s["end"].isoformat()} for s in result.summary_rows()]
    applied = [d.isoformat()[:7] for d in dates_rebase if dates[0] < d <= dates[-1]]
    return SpcView(
        True,
        points=points,
        summary=summary,
        variation_type=result.variation_type,
        assurance_type=result.assurance_type,
        rebased_at=applied,
        trial_limits=result.has_short_groups,
    )


def latest_run(rows: Sequence[dict]) -> tuple[list[dict], date | None]:
    """The latest run of consecutive months of ``rows`` (time order) that have a performance, and
    the last month before the gap that ends the earlier months (None when there is no gap).

    SPC treats points as consecutive (NHSRplotthedots input rule): months either side of a gap
    (July 2021, July 2022, then April 2023 on) are never joined.
    """
    series = [r for r in rows if r.get("performance") is not None]
    run: list[dict] = []
    gap_after: date | None = None
    for r in reversed(series):
        month = date.fromisoformat(str(r["period_start"])[:10])
        if run and add_months(month, 1) != date.fromisoformat(str(run[-1]["period_start"])[:10]):
            gap_after = month
            break
        run.append(r)
    return run[::-1], gap_after


def spc_or_note(standard: str, rows: Sequence[dict]) -> SpcView:
    """:func:`spc_of_rows` of the latest run of consecutive months (:func:`latest_run`), or an
    unavailable view saying why (for pages and reports). ``gap_note`` says when months before a
    gap were left out."""
    run, gap_after = latest_run(rows)
    try:
        view = spc_of_rows(standard, run)
    except (NoData, ValueError) as exc:
        return SpcView(False, note=f"SPC not available: {exc}")
    if gap_after is not None:
        first = date.fromisoformat(str(run[0]["period_start"])[:10])
        view.gap_note = (
            f"The SPC chart uses the latest run of consecutive months, from {first:%B %Y}: there are no "
            f"figures between {gap_after:%B %Y} and {first:%B %Y}, so the months before the gap are not "
            "joined to it."
        )
    return view


# -- funnels --------------------------------------------------------------------------------------


def funnel_of_rows(
    rows: Sequence[dict], *, target: str | None = None, overdispersion: bool | None = None
) -> FunnelView:
    """Funnel of the metric ``rows`` of one period (one row per organisation) under the policy.

    ``target``: ``england`` (England's performance in the period) or ``threshold`` (the
    operational threshold in force); ``overdispersion``: force the adjustment on or off (default:
    the policy's rule, φ > 1 with at least ``min_units`` organisations).
    """
    policy = variation_policy().funnel
    kind = target or policy.target
    if kind not in FUNNEL_TARGETS:
        raise UsageError(f"unknown funnel target {kind!r}: use {' or '.join(FUNNEL_TARGETS)}")
    candidates = [r for r in rows if r["org_code"] not in (UNMAPPED_CODE, NATIONAL_CODE)]
    units = [r for r in candidates if r.get("total")]
    if not units:
        raise NoData("no organisations with patients to compare")
    first = units[0]
    if kind == "threshold":
        centre = first.get("threshold")
        if centre is None:
            raise NoData("no threshold in force for this period")
    else:
        centre = next((r["england_performance"] for r in units if r.get("england_performance") is not None), None)
    adjust = policy.overdispersion and len(units) >= policy.min_units if overdispersion is None else overdispersion
    result = compute_funnel(
        [(r["org_code"], r["org_name"], r["within_standard"], r["total"]) for r in units],
        target=centre,
        overdispersion=adjust,
        method=policy.method,
    )
    top = max(float(r["total"]) for r in units) * CURVE_HEADROOM
    return FunnelView(
        True,
        rows=result.to_rows(),
        curves=result.curves(max_denominator=top).to_rows(),
        target=result.target,
        target_kind=kind,
        phi=result.phi,
        tau2=result.tau2,
        adjusted=result.adjusted,
        period_start=str(first["period_start"]),
        period_label=first.get("period_label"),
        hidden=[r["org_code"] for r in candidates if not r.get("total")],
    )


def funnel_or_note(rows: Sequence[dict]) -> FunnelView:
    """:func:`funnel_of_rows`, or an unavailable view saying why (for pages and reports)."""
    try:
        return funnel_of_rows(rows)
    except (NoData, ValueError) as exc:
        return FunnelView(False, note=f"Funnel plot not available: {exc}")


# -- the CLI's and the API's entry points ----------------------------------------------------------


@dataclass
class SpcChart:
    """An SPC chart of one organisation: who it is and the policy's view of its series."""

    standard: str
    level: str
    org_code: str
    org_name: str
    view: SpcView

    @property
    def points(self) -> list[dict]:
        """Per-point rows."""
        return self.view.points

    @property
    def summary(self) -> list[dict]:
        """Per-group summary rows (the last is the current group)."""
        return self.view.summary


def funnel(
    con: duckdb.DuckDBPyConnection,
    *,
    standard: str,
    level: str,
    period: str = "month",
    period_start: date,
    target: str | None = None,
    overdispersion: bool | None = None,
    basis: str | None = None,
) -> FunnelView:
    """Funnel plot of every organisation at ``level`` for the period starting ``period_start``."""
    if level == "national":
        raise UsageError("a funnel compares organisations: choose a level below national")
    if target is not None and target not in FUNNEL_TARGETS:
        raise UsageError(f"unknown funnel target {target!r}: use england or threshold")
    end = add_months(period_start, {"month": 0, "quarter": 2, "year": 11}[period])
    query = MetricQuery(standard, level, period, None, None, period_start, end, basis)
    rows = [r for r in metrics(con, query) if r["period_start"] == period_start.isoformat()]
    if not any(r.get("total") and r["org_code"] != UNMAPPED_CODE for r in rows):
        raise NoData(f"no {standard} figures at {level} level for the period starting {period_start:%Y-%m}")
    return funnel_of_rows(rows, target=target, overdispersion=overdispersion)
