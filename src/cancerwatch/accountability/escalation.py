"""Escalation of organisations that consistently fail a standard, with the evidence.

Rules are data (``catalogue/escalation_rules.toml``); each kind is one function that takes an
organisation's series and says whether it fires and why:

- ``below_threshold_k_of_n``: performance below the operational threshold in force in at least
  k of the last n periods (periods with no threshold in force do not count as failures);
- ``spc_assurance_fail``: the Making Data Count assurance icon is "consistently failing" on the
  monthly series, drawn under the variation policy (``cancerwatch.variation``);
- ``funnel_low_outlier_k_of_n``: below the lower 99.8% funnel limit against England in at least
  k of the last n periods, drawn under the variation policy.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import duckdb

from cancerwatch.catalogue.organisations import NATIONAL_CODE, UNMAPPED_CODE
from cancerwatch.catalogue.standards import get_standard
from cancerwatch.errors import UsageError
from cancerwatch.queries import MetricQuery, metrics


@dataclass(frozen=True)
class Rule:
    """A named escalation rule."""

    id: str
    kind: str
    description: str
    period: str
    k: int = 0
    n: int = 0
    min_points: int = 0


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


@cache
def rules() -> dict[str, Rule]:
    """The packaged escalation rules by id."""
    text = resources.files("cancerwatch.catalogue").joinpath("escalation_rules.toml").read_text("utf-8")
    raw = tomllib.loads(text)["rules"]
    return {rid: Rule(id=rid, **r) for rid, r in raw.items()}


def get_rule(rule_id: str) -> Rule:
    """A rule by id, or UsageError naming the valid ones."""
    try:
        return rules()[rule_id]
    except KeyError:
        raise UsageError(f"unknown escalation rule {rule_id!r}: use one of {', '.join(rules())}") from None


def below_threshold_k_of_n(series: list[dict], k: int, n: int) -> tuple[bool, int, list[dict]]:
    """Fires when at least ``k`` of the last ``n`` periods are below their threshold.

    ``series`` is time-ordered metric rows (``performance``, ``threshold``). Returns (fired,
    failures, the last n rows). Fewer than n periods never fire.
    """
    last = series[-n:]
    failures = sum(
        1
        for r in last
        if r["threshold"] is not None and r["performance"] is not None and r["performance"] < r["threshold"]
    )
    return (len(last) == n and failures >= k), failures, last


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


def _evidence(rows: list[dict]) -> list[dict]:
    return [
        {
            k: r.get(k)
            for k in (
                "period_label",
                "total",
                "within_standard",
                "performance",
                "threshold",
                "met",
                "england_performance",
            )
        }
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
) -> list[Escalation]:
    """Evaluate ``rule_id`` for every organisation at ``level``; return those it fires for (or all)."""
    rule = get_rule(rule_id)
    get_standard(standard)
    rows = metrics(con, MetricQuery(standard=standard, level=level, period=rule.period, basis=basis))
    out = []
    for code, series in _series_by_org(rows).items():
        if rule.kind == "below_threshold_k_of_n":
            fired, failures, last = below_threshold_k_of_n(series, rule.k, rule.n)
            summary = f"below threshold in {failures} of the last {len(last)} {rule.period}s"
            considered = len(last)
        elif rule.kind == "spc_assurance_fail":
            fired, failures, last, summary = _spc_assurance(series, standard, rule.min_points)
            considered = len(last)
        elif rule.kind == "funnel_low_outlier_k_of_n":
            continue  # evaluated for all organisations at once below
        else:
            raise UsageError(f"rule {rule.id!r} has unknown kind {rule.kind!r}")
        if fired or include_all:
            out.append(
                Escalation(
                    code,
                    series[-1]["org_name"],
                    level,
                    standard,
                    rule.id,
                    rule.description,
                    fired,
                    failures,
                    considered,
                    _evidence(last),
                    summary,
                    trend_of(series),
                )
            )
    if rule.kind == "funnel_low_outlier_k_of_n":
        out = _funnel_rule(rows, rule, level, standard, include_all)
    out.sort(key=lambda e: (not e.fired, -e.failures, e.org_code))
    return out


def _spc_assurance(series: list[dict], standard: str, min_points: int) -> tuple[bool, int, list[dict], str]:
    from cancerwatch.variation import spc_of_rows  # SPC through the variation policy

    points = [r for r in series if r["performance"] is not None]
    if len(points) < min_points or points[-1]["threshold"] is None:
        return False, 0, points, f"fewer than {min_points} months with a threshold"
    view = spc_of_rows(standard, points)
    assurance, variation = view.assurance_type, view.variation_type
    failures = sum(1 for r in points if r["met"] is False)
    summary = f"SPC assurance {assurance}, variation {variation}, {len(points)} months"
    return assurance == "consistent_fail", failures, points, summary


def _funnel_rule(rows: list[dict], rule: Rule, level: str, standard: str, include_all: bool) -> list[Escalation]:
    from cancerwatch.variation import funnel_of_rows  # funnels through the variation policy

    periods = sorted({r["period_start"] for r in rows})[-rule.n :]
    flags: dict[str, list[tuple[dict, str]]] = {}
    for p in periods:
        in_period = [r for r in rows if r["period_start"] == p]
        by_code = {r["org_code"]: r for r in in_period}
        for f in funnel_of_rows(in_period).rows:
            flags.setdefault(f["org_code"], []).append((by_code[f["org_code"]], f.get("outlier") or ""))
    out = []
    for code, items in flags.items():
        failures = sum(1 for _, o in items if o == "low")
        fired = len(items) == rule.n and failures >= rule.k
        if fired or include_all:
            series = [r for r, _ in items]
            ev = _evidence(series)
            for e, (_, o) in zip(ev, items, strict=True):
                e["funnel_outlier"] = o
            out.append(
                Escalation(
                    code,
                    series[-1]["org_name"],
                    level,
                    standard,
                    rule.id,
                    rule.description,
                    fired,
                    failures,
                    len(items),
                    ev,
                    f"low outlier (99.8%) in {failures} of the last {len(items)} {rule.period}s",
                    trend_of(series),
                )
            )
    return out


def escalation_rows(items: list[Escalation]) -> list[dict]:
    """Flat rows for table/CSV/JSON output."""
    return [
        {
            "org_code": e.org_code,
            "org_name": e.org_name,
            "level": e.level,
            "standard": e.standard,
            "rule": e.rule,
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
