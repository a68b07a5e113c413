"""Escalation of organisations that consistently fail a standard, with the evidence.

Rules are data (``catalogue/escalation_rules.toml``); each kind is one function over one
organisation's time-ordered series that says whether it fires, and if it cannot be judged, why
(docs/methods.md, "Escalation"):

- :func:`below_threshold_k_of_n`: performance below the operational threshold in force in at
  least k of the last n periods;
- :func:`spc_assurance_fail`: the Making Data Count assurance icon is "consistently failing" on
  the monthly series, from limits on at least 13 months: NHSRplotthedots calls limits on fewer
  points trial limits, and they are not escalation evidence;
- :func:`funnel_low_outlier_k_of_n`: below the lower 99.8% funnel limit against England in at
  least k of the last n periods (the flags come from :func:`funnel_outliers`).

SPC charts and funnel plots are drawn under the variation policy (:mod:`cancerwatch.variation`,
``catalogue/variation_policy.toml``), as every page and report draws them, so that escalation and
the pages give the same verdicts.

Every rule has a minimum denominator: a period with fewer patients is not evidence (it can never
count as a failure), so that a unit seeing a handful of patients a month is not escalated on
noise. A rule that cannot be judged says so in its status and summary ("too few quarters: 2 of
4", "too few patients: …") instead of returning nothing.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources

import duckdb

from cancerwatch.analytics.spc.chart import SHORT_GROUP_WARNING_THRESHOLD
from cancerwatch.catalogue.organisations import NATIONAL_CODE, UNMAPPED_CODE
from cancerwatch.catalogue.standards import get_standard
from cancerwatch.errors import UsageError
from cancerwatch.periods import add_months
from cancerwatch.queries import MetricQuery, metrics

KINDS = ("below_threshold_k_of_n", "spc_assurance_fail", "funnel_low_outlier_k_of_n")
PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}

MIN_SPC_POINTS = SHORT_GROUP_WARNING_THRESHOLD
"""Fewest points whose limits are not trial limits (13): NHSRplotthedots 0.2.2
``ptd_add_short_group_warnings.R`` (option ``ptd_spc.warning_threshold``)."""

FIRED = "fired"
NOT_FIRED = "not fired"
TOO_FEW_PERIODS = "too few periods"
TOO_FEW_PATIENTS = "too few patients"
NO_THRESHOLD = "no threshold"
ENDED = "ended"  # the organisation closed (or was merged) before the latest period: nothing to escalate
STATUSES = (FIRED, NOT_FIRED, TOO_FEW_PERIODS, TOO_FEW_PATIENTS, NO_THRESHOLD, ENDED)
"""``fired`` and ``not fired`` are judgements; the others say why a unit could not be judged."""


@dataclass(frozen=True)
class Rule:
    """A named escalation rule (``min_denominator``: fewest patients for a period to count)."""

    id: str
    kind: str
    description: str
    period: str
    k: int = 0
    n: int = 0
    min_points: int = 0
    min_denominator: float = 0.0


@dataclass(frozen=True)
class Assessment:
    """What one rule says about one series: a status (see :data:`STATUSES`), whether it fired,
    the failing periods counted, the periods it looked at (the evidence) and a one-line summary."""

    status: str
    fired: bool
    failures: int
    rows: list[dict]
    summary: str


@dataclass
class Escalation:
    """One organisation's result under one rule."""

    org_code: str
    org_name: str
    level: str
    standard: str
    rule: str
    rule_description: str
    fired: bool
    failures: int
    periods_considered: int
    evidence: list[dict] = field(default_factory=list)
    summary: str = ""
    trend: str = ""
    status: str = ""


def parse_rules(raw: dict, *, source: str = "escalation_rules.toml") -> dict[str, Rule]:
    """Rules from the parsed TOML: ``[defaults]`` (``min_denominator``) then ``[rules.<id>]``.

    Raises ``ValueError`` naming the rule and the reason for an unknown key, kind or period, k and n
    that do not satisfy 1 ≤ k ≤ n, an SPC rule with fewer than :data:`MIN_SPC_POINTS` points or a
    negative minimum denominator.
    """
    defaults = raw.get("defaults", {})
    known = set(Rule.__dataclass_fields__) - {"id"}
    out = {}
    for rid, r in raw.get("rules", {}).items():
        where = f"{source}: rules.{rid}"
        unknown = sorted(set(r) - known)
        if unknown:
            raise ValueError(f"{where}: unknown key {unknown[0]!r} (use {', '.join(sorted(known))})")
        rule = Rule(id=rid, **{"min_denominator": defaults.get("min_denominator", 0.0), **r})
        if rule.kind not in KINDS:
            raise ValueError(f"{where}.kind {rule.kind!r} is not one of {', '.join(KINDS)}")
        if rule.period not in PERIOD_MONTHS:
            raise ValueError(f"{where}.period {rule.period!r} is not one of {', '.join(PERIOD_MONTHS)}")
        if rule.kind == "spc_assurance_fail":
            if rule.period != "month":
                raise ValueError(f"{where}: SPC assurance is judged on the monthly series")
            if rule.min_points < MIN_SPC_POINTS:
                raise ValueError(
                    f"{where}.min_points {rule.min_points}: limits on fewer than {MIN_SPC_POINTS} points are "
                    "trial limits (NHSRplotthedots) and not escalation evidence"
                )
        elif not 1 <= rule.k <= rule.n:
            raise ValueError(f"{where}: need 1 <= k <= n, got k = {rule.k}, n = {rule.n}")
        if rule.min_denominator < 0:
            raise ValueError(f"{where}.min_denominator must not be negative")
        out[rid] = rule
    return out


@cache
def rules() -> dict[str, Rule]:
    """The packaged escalation rules by id."""
    text = resources.files("cancerwatch.catalogue").joinpath("escalation_rules.toml").read_text("utf-8")
    return parse_rules(tomllib.loads(text))


def get_rule(rule_id: str) -> Rule:
    """A rule by id, or UsageError naming the valid ones."""
    try:
        return rules()[rule_id]
    except KeyError:
        raise UsageError(f"unknown escalation rule {rule_id!r}: use one of {', '.join(rules())}") from None


def _start(row: dict) -> date:
    return date.fromisoformat(str(row["period_start"])[:10])


def covered_periods(rows: Iterable[dict], period: str) -> list[date]:
    """The unbroken run of complete periods, oldest first, that ends at the latest one in ``rows``.

    A quarter or year is complete when some organisation has figures for all its months (rows
    carry ``months``; a row without it counts as complete); an organisation with no patients in a
    month still has a complete quarter. A period with no figures at all ends the run."""
    full = PERIOD_MONTHS[period]
    starts = {_start(r) for r in rows if r.get("months", full) >= full}
    run: list[date] = []
    at = max(starts, default=None)
    while at is not None and at in starts:
        run.append(at)
        at = add_months(at, -full)
    return run[::-1]


def _window(series: list[dict], period: str, periods: list[date] | None) -> tuple[list[date], dict[date, dict]]:
    by_start = {_start(r): r for r in series}
    return (covered_periods(series, period) if periods is None else list(periods)), by_start


def _enough_patients(row: dict, min_denominator: float) -> bool:
    total = row.get("total")
    return total is not None and total >= min_denominator


def _plural(period: str, count: int) -> str:
    return period if count == 1 else f"{period}s"


def _k_of_n(
    series: list[dict],
    k: int,
    n: int,
    failed: Callable[[dict], bool],
    what: str,
    *,
    period: str,
    min_denominator: float,
    periods: list[date] | None,
) -> Assessment:
    covered, by_start = _window(series, period, periods)
    window = covered[-n:]
    last = [by_start[p] for p in window if p in by_start]
    counted = [r for r in last if _enough_patients(r, min_denominator)]
    failures = sum(1 for r in counted if failed(r))
    if len(window) < n:
        return Assessment(TOO_FEW_PERIODS, False, failures, last, f"too few {_plural(period, 2)}: {len(window)} of {n}")
    if len(counted) < k:
        return Assessment(
            TOO_FEW_PATIENTS,
            False,
            failures,
            last,
            f"too few patients: {len(counted)} of the last {n} {_plural(period, n)} had at least "
            f"{min_denominator:g} patients, and the rule needs {k}",
        )
    fired = failures >= k
    return Assessment(
        FIRED if fired else NOT_FIRED,
        fired,
        failures,
        last,
        f"{what} in {failures} of the last {n} {_plural(period, n)}",
    )


def below_threshold_k_of_n(
    series: list[dict],
    k: int,
    n: int,
    *,
    period: str = "month",
    min_denominator: float = 0.0,
    periods: list[date] | None = None,
) -> Assessment:
    """Fires when at least ``k`` of the last ``n`` periods are below their threshold.

    ``series``: one organisation's metric rows (``period_start``, ``performance``,
    ``threshold``, ``total``). ``periods``: the periods the data covers, oldest first (as
    :func:`covered_periods` gives for the whole level; default: the series' own); the last n of
    them are judged, and fewer than n gives ``too few periods``. A period is a failure when its
    performance is strictly below the threshold in force (equal meets it; no threshold, no
    failure) and it had at least ``min_denominator`` patients; a period the organisation has no
    row for had no patients. When fewer than k periods had enough patients the rule cannot fire:
    ``too few patients``.
    """

    def below(r: dict) -> bool:
        return r["threshold"] is not None and r["performance"] is not None and r["performance"] < r["threshold"]

    return _k_of_n(
        series,
        k,
        n,
        below,
        "below threshold",
        period=period,
        min_denominator=min_denominator,
        periods=periods,
    )


def funnel_low_outlier_k_of_n(
    series: list[dict],
    k: int,
    n: int,
    *,
    period: str = "quarter",
    min_denominator: float = 0.0,
    periods: list[date] | None = None,
) -> Assessment:
    """Fires when at least ``k`` of the last ``n`` periods are low funnel outliers.

    As :func:`below_threshold_k_of_n`, with a failure being ``funnel_outlier == "low"`` on the row
    (set by :func:`funnel_outliers`) in a period with at least ``min_denominator`` patients.
    """
    return _k_of_n(
        series,
        k,
        n,
        lambda r: r.get("funnel_outlier") == "low",
        "low outlier (99.8%)",
        period=period,
        min_denominator=min_denominator,
        periods=periods,
    )


def spc_assurance_fail(
    series: list[dict],
    *,
    improvement_direction: str,
    min_points: int = MIN_SPC_POINTS,
    min_denominator: float = 0.0,
    periods: list[date] | None = None,
    standard: str | None = None,
) -> Assessment:
    """Fires when the Making Data Count assurance icon is "consistently failing".

    The chart is an XmR chart (NHSRplotthedots 0.2.2 defaults) of the unbroken run of months,
    ending at the last of ``periods`` (default: the series' own months), that each have a figure
    and at least ``min_denominator`` patients, with the threshold in force each month as the
    target; the icon is "consistently failing" when the latest threshold lies beyond the process
    limits on the failing side. Limits on fewer than ``min_points`` (never fewer than 13) months
    are trial limits and no evidence: ``too few periods``, or ``too few patients`` when months
    with too few patients cut the run short. The chart follows the variation policy for
    ``standard`` (its rebase dates: the latest group of limits must have 13 points too).
    """
    from cancerwatch.variation import spc_of_rows  # SPC through the variation policy

    min_points = max(min_points, MIN_SPC_POINTS)
    covered, by_start = _window(series, "month", periods)

    def run_of(keep: Callable[[dict], bool]) -> list[dict]:
        out: list[dict] = []
        for p in reversed(covered):
            row = by_start.get(p)
            if row is None or row["performance"] is None or not keep(row):
                break
            out.append(row)
        return out[::-1]

    months = run_of(lambda r: True)
    run = run_of(lambda r: _enough_patients(r, min_denominator))
    failures = sum(1 for r in run if r["met"] is False)
    if len(run) < min_points:
        if len(months) >= min_points:
            return Assessment(
                TOO_FEW_PATIENTS,
                False,
                failures,
                run,
                f"too few patients: only the last {len(run)} months in a row had at least {min_denominator:g} "
                f"patients, and SPC limits need {min_points}",
            )
        why = f"no figure for {covered[-1]:%Y-%m}" if covered and not months else "trial limits"
        return Assessment(TOO_FEW_PERIODS, False, failures, run, f"too few months: {len(run)} of {min_points} ({why})")
    if run[-1]["threshold"] is None:
        return Assessment(NO_THRESHOLD, False, failures, run, "no threshold in force in the latest month")
    view = spc_of_rows(standard, run, improvement_direction=improvement_direction)
    fired = view.assurance_type == "consistent_fail" and not view.current_trial
    return Assessment(
        FIRED if fired else NOT_FIRED,
        fired,
        failures,
        run,
        f"SPC assurance {view.assurance_type}, variation {view.variation_type}, {len(run)} months",
    )


def funnel_outliers(rows: Iterable[dict], periods: Iterable[str]) -> dict[tuple[str, str], str]:
    """``(period_start, org_code)`` → ``high``, ``low`` or ``""``: each period's funnel of every
    organisation with patients (``UNMAPPED`` and England left out), drawn under the variation
    policy (around England, with FunnelPlotR's overdispersion adjustment)."""
    from cancerwatch.variation import funnel_of_rows  # funnels through the variation policy

    rows = list(rows)
    out: dict[tuple[str, str], str] = {}
    for p in periods:
        in_period = [r for r in rows if r["period_start"] == p]
        if any(r["org_code"] not in (UNMAPPED_CODE, NATIONAL_CODE) and r["total"] for r in in_period):
            out.update({(p, f["org_code"]): f["outlier"] for f in funnel_of_rows(in_period).rows})
    return out


def assess(
    rule: Rule,
    series: list[dict],
    *,
    improvement_direction: str = "increase",
    periods: list[date] | None = None,
    standard: str | None = None,
) -> Assessment:
    """``rule`` applied to one organisation's series over ``periods`` (rows carry
    ``funnel_outlier`` for the funnel rule; ``standard`` gives the SPC rule its rebase dates)."""
    least = rule.min_denominator
    if rule.kind == "below_threshold_k_of_n":
        return below_threshold_k_of_n(
            series, rule.k, rule.n, period=rule.period, min_denominator=least, periods=periods
        )
    if rule.kind == "funnel_low_outlier_k_of_n":
        return funnel_low_outlier_k_of_n(
            series, rule.k, rule.n, period=rule.period, min_denominator=least, periods=periods
        )
    if rule.kind == "spc_assurance_fail":
        return spc_assurance_fail(
            series,
            improvement_direction=improvement_direction,
            min_points=rule.min_points,
            min_denominator=least,
            periods=periods,
            standard=standard,
        )
    raise UsageError(f"rule {rule.id!r} has unknown kind {rule.kind!r}")


def trend_of(series: list[dict]) -> str:
    """``improving``, ``deteriorating`` or ``no clear change``: sign of the least-squares slope of
    the last (up to) six values, called clear when the fitted change over the window exceeds one
    percentage point."""
    values = [r["performance"] for r in series[-6:] if r["performance"] is not None]
    if len(values) < 3:
        return "too few points"
    m = len(values)
    xbar, ybar = (m - 1) / 2, sum(values) / m
    slope = sum((i - xbar) * (v - ybar) for i, v in enumerate(values)) / sum((i - xbar) ** 2 for i in range(m))
    change = slope * (m - 1)
    if change > 0.01:
        return "improving"
    if change < -0.01:
        return "deteriorating"
    return "no clear change"


def _series_by_org(rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in rows:
        if r["org_code"] in (UNMAPPED_CODE, NATIONAL_CODE):
            continue
        out.setdefault(r["org_code"], []).append(r)
    for s in out.values():
        s.sort(key=lambda r: r["period_start"])
    return out


EVIDENCE_FIELDS = ("period_label", "total", "within_standard", "performance", "threshold", "met", "england_performance")


def _evidence(rows: list[dict]) -> list[dict]:
    return [
        {k: r.get(k) for k in EVIDENCE_FIELDS}
        | ({"funnel_outlier": r["funnel_outlier"]} if "funnel_outlier" in r else {})
        for r in rows
    ]


def escalate(
    con: duckdb.DuckDBPyConnection,
    *,
    standard: str,
    level: str,
    rule_id: str,
    basis: str | None = None,
    include_all: bool = False,
    fetch: Callable[[MetricQuery], list[dict]] | None = None,
) -> list[Escalation]:
    """Evaluate ``rule_id`` for every organisation at ``level``; return those it fires for (or all,
    including those it could not judge, with their status).

    Every window ends at the latest complete period any organisation at the level has figures
    for (:func:`covered_periods`); a period an organisation has no figures for had no patients.
    ``fetch`` gives a query's metric rows (default: :func:`~cancerwatch.queries.metrics` on ``con``;
    the read layer passes its kept rows)."""
    rule = get_rule(rule_id)
    direction = get_standard(standard).improvement_direction
    query = MetricQuery(standard=standard, level=level, period=rule.period, basis=basis)
    rows = list(fetch(query) if fetch is not None else metrics(con, query))
    periods = covered_periods((r for r in rows if r["org_code"] not in (UNMAPPED_CODE, NATIONAL_CODE)), rule.period)
    if rule.kind == "funnel_low_outlier_k_of_n":
        flags = funnel_outliers(rows, [p.isoformat() for p in periods[-rule.n :]])
        rows = [
            {**r, "funnel_outlier": flags[(r["period_start"], r["org_code"])]}
            if (r["period_start"], r["org_code"]) in flags
            else r
            for r in rows
        ]
    out = []
    closed = _closed(con, level)
    for code, series in _series_by_org(rows).items():
        if code in closed and periods and closed[code] < periods[-1]:
            last = series[-1]["period_label"]
            a = Assessment(ENDED, False, 0, [], f"closed or merged: its figures end {last}")
        else:
            a = assess(rule, series, improvement_direction=direction, periods=periods, standard=standard)
        if a.fired or include_all:
            out.append(
                Escalation(
                    code,
                    series[-1]["org_name"],
                    level,
                    standard,
                    rule.id,
                    rule.description,
                    a.fired,
                    a.failures,
                    len(a.rows),
                    _evidence(a.rows),
                    a.summary,
                    trend_of(series),
                    a.status,
                )
            )
    out.sort(key=lambda e: (not e.fired, -e.failures, e.org_code))
    return out


def _closed(con: duckdb.DuckDBPyConnection, level: str) -> dict[str, date]:
    """Organisations at ``level`` that closed, with their last day (e.g. the two East of England
    Alliances, merged into one from April 2024)."""
    rows = con.execute(
        "SELECT org_code, close_date FROM organisations WHERE org_type = ? AND close_date IS NOT NULL", [level]
    ).fetchall()
    return dict(rows)


def escalation_rows(items: list[Escalation]) -> list[dict]:
    """Flat rows for table/CSV/JSON output."""
    return [
        {
            "org_code": e.org_code,
            "org_name": e.org_name,
            "level": e.level,
            "standard": e.standard,
            "rule": e.rule,
            "status": e.status,
            "fired": e.fired,
            "failures": e.failures,
            "periods_considered": e.periods_considered,
            "latest_period": e.evidence[-1]["period_label"] if e.evidence else None,
            "latest_performance": e.evidence[-1]["performance"] if e.evidence else None,
            "summary": e.summary,
            "trend": e.trend,
        }
        for e in items
    ]


def not_judged(items: Iterable[Escalation]) -> dict[str, int]:
    """Summary line → number of organisations a rule could not judge (status not fired/not fired)."""
    out: dict[str, int] = {}
    for e in items:
        if e.status not in (FIRED, NOT_FIRED):
            out[e.summary] = out.get(e.summary, 0) + 1
    return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))
