"""The planner's answer for one Alliance: demand forecast, calibrated pathway, capacity needed.

1. Demand: England's monthly urgent referrals (two-week-wait referrals seen, national series) are
   forecast (``referral_forecast``); the Alliance's demand is its share of England's 28-day FDS
   patients (commissioner basis: residents) over the latest months, and each tumour pathway's
   demand its share of the Alliance's FDS patients by suspected cancer type (provider basis).
2. The model is the monthly backlog balance of ``backlog_model`` (the large-server limit of the
   M/M/c queue in ``diagnostic_queue``). Calibration fits the weekly diagnostic capacity and the
   starting backlog to the Alliance's observed FDS months by least squares, holding back the last
   ``VALIDATION_MONTHS`` months to check it; the work-up time is an assumption (one monthly
   performance series cannot separate a long work-up from a long queue).
3. Capacity: the least weekly capacity that reaches the target FDS share in the target month at
   the forecast demand, under the scenario's schemes, starting from the calibrated backlog.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date

import duckdb

from cancerwatch.catalogue.organisations import UNMAPPED_CODE
from cancerwatch.catalogue.standards import ambition_for, latest_ambition
from cancerwatch.errors import NoData, UsageError
from cancerwatch.planning.backlog_model import capacity_for_target, run_months, share_with_delay
from cancerwatch.planning.referral_forecast import POST_COVID_START, backtest, forecast
from cancerwatch.planning.scenarios import Scenario
from cancerwatch.queries import MetricQuery, metrics

FIXED_DAYS = 3.0  # triage and booking before diagnostics start (assumption, stated in outputs)
SERVICE_DAYS = 10.0  # mean diagnostic work-up once started: tests, reporting, results (assumption)
VALIDATION_MONTHS = 2
BACKTEST_ORIGINS = (date(2016, 9, 1), date(2017, 9, 1), date(2018, 9, 1))
WEEKS_PER_MONTH = 365.25 / 12 / 7


@dataclass
class Plan:
    """Everything ``cancerwatch plan`` prints."""

    alliance_code: str
    alliance_name: str
    scenario: Scenario
    target: float
    target_month: date
    forecast_rows: list[dict]
    backtest_verdict: str
    backtest: dict
    calibration: dict
    capacity: dict
    pathways: list[dict] = field(default_factory=list)


def _days(month: date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def national_demand(con: duckdb.DuckDBPyConnection) -> tuple[list[date], list[float]]:
    """England's monthly urgent referrals seen (national time series, two-week wait)."""
    rows = metrics(con, MetricQuery(standard="2ww", level="national"))
    return [date.fromisoformat(r["period_start"]) for r in rows], [r["total"] for r in rows]


def _weeks(month: date) -> float:
    return _days(month) / 7


def calibrate(observed: list[dict], *, service_days: float = SERVICE_DAYS) -> dict:
    """Fit weekly capacity and starting backlog to observed months (``month``, ``demand``, ``performance``)."""
    fit, check = observed[:-VALIDATION_MONTHS], observed[-VALIDATION_MONTHS:]
    if len(fit) < 2:
        raise NoData("too few observed months to calibrate the pathway model")
    demand = [o["demand"] for o in observed]
    weeks = [_weeks(date.fromisoformat(o["month"])) for o in observed]
    mean_weekly = sum(demand) / sum(weeks)
    best = None
    for k_step in range(70, 131):  # capacity 70% to 130% of mean weekly demand, 1% steps
        k = mean_weekly * k_step / 100
        for b_step in range(0, 41):  # starting backlog 0 to 10 weeks of demand
            b0 = mean_weekly * b_step / 4
            res = run_months(
                demand, weeks, weekly_capacity=k, start_backlog=b0, service_days=service_days, fixed_days=FIXED_DAYS
            )
            sse = sum((r.share_within - o["performance"]) ** 2 for r, o in zip(res, fit, strict=False))
            if best is None or sse < best[0]:
                best = (sse, k, b0, res)
    _, k, b0, res = best

    def mae(pairs: list[tuple]) -> float:
        return 100 * sum(abs(r.share_within - o["performance"]) for r, o in pairs) / len(pairs)

    pairs = list(zip(res, observed, strict=True))
    return {
        "weekly_capacity": k,
        "start_backlog": b0,
        "service_days": service_days,
        "fixed_days": FIXED_DAYS,
        "fit_months": len(fit),
        "fit_mae_points": mae(pairs[: len(fit)]),
        "validation_months": len(check),
        "validation_mae_points": mae(pairs[len(fit) :]) if check else None,
        "backlog_now": res[-1].backlog_end,
        "modelled": [
            {
                "month": o["month"][:7],
                "observed_fds": o["performance"],
                "modelled_fds": r.share_within,
                "backlog_start": r.backlog_start,
            }
            for r, o in pairs
        ],
    }


def fds_ambition() -> float:
    """The latest FDS planning ambition in the catalogue (the default target of a plan)."""
    ambition = latest_ambition("fds")
    if ambition is None:  # pragma: no cover - the packaged catalogue has FDS ambitions
        raise UsageError("the standards catalogue has no FDS planning ambition: pass a target")
    return ambition.value


def plan_alliance(
    con: duckdb.DuckDBPyConnection,
    alliance: str,
    *,
    scenario: Scenario,
    target: float | None = None,
    horizon: int = 12,
    target_month: date | None = None,
    service_days: float = SERVICE_DAYS,
) -> Plan:
    """Forecast, calibrate and size capacity for one Alliance under ``scenario``.

    ``target``: the FDS share to reach (default: the latest FDS planning ambition in the standards
    catalogue, 80% for March 2026).
    """
    target = fds_ambition() if target is None else target
    months, values = national_demand(con)
    bt = backtest(months, values, list(BACKTEST_ORIGINS))
    start = months.index(POST_COVID_START)
    fc = forecast(months[start:], values[start:], horizon)
    own = metrics(con, MetricQuery(standard="fds", level="alliance", org=alliance))
    eng = {
        r["period_start"]: r["total"]
        for r in metrics(con, MetricQuery(standard="fds", level="national", basis="commissioner"))
    }
    resident = metrics(con, MetricQuery(standard="fds", level="alliance", basis="commissioner", org=alliance))
    share = sum(r["total"] for r in resident) / sum(eng[r["period_start"]] for r in resident)
    observed = [
        {"month": r["period_start"], "demand": r["total"], "performance": r["performance"]}
        for r in own
        if r["performance"] is not None
    ]
    cal = calibrate(observed, service_days=service_days)
    grow = 1 + scenario.demand_growth_pct / 100
    capacity_now = cal["weekly_capacity"]
    planned = capacity_now * (1 + scenario.extra_capacity_pct / 100)
    start = cal["backlog_now"] + scenario.start_backlog
    demand = [mean * share * grow for mean in fc.mean]
    weeks = [_weeks(m) for m in fc.months]
    modelled = run_months(
        demand,
        weeks,
        weekly_capacity=planned,
        start_backlog=start,
        service_days=service_days,
        fixed_days=FIXED_DAYS,
        schemes=scenario.schemes,
    )
    rows = []
    for m, mean, lo, hi, d, r in zip(fc.months, fc.mean, fc.lower, fc.upper, demand, modelled, strict=True):
        amb = ambition_for("fds", m)
        rows.append(
            {
                "month": m.isoformat()[:7],
                "england_referrals": round(mean),
                "england_lower": round(lo),
                "england_upper": round(hi),
                "alliance_demand": round(d),
                "alliance_lower": round(lo * share * grow),
                "alliance_upper": round(hi * share * grow),
                "modelled_fds": r.share_within,
                "ambition": amb[0] if amb else None,
                "backlog": round(r.backlog_start),
                "weekly_capacity": round(planned),
            }
        )
    when = target_month or fc.months[-1]
    upto = next((i for i, m in enumerate(fc.months) if m >= when), len(fc.months) - 1) + 1
    need = capacity_for_target(
        target,
        demand[:upto],
        weeks[:upto],
        start_backlog=start,
        service_days=service_days,
        fixed_days=FIXED_DAYS,
        schemes=scenario.schemes,
    )
    ceiling = share_with_delay(0.0, service_days=service_days, fixed_days=FIXED_DAYS, schemes=scenario.schemes)
    capacity = {
        "target": target,
        "target_month": fc.months[upto - 1].isoformat()[:7],
        "weekly_capacity_now": capacity_now,
        "weekly_capacity_planned": planned,
        "weekly_capacity_needed": float(need) if need else None,
        "reachable": need is not None,
        "increase_pct": float(100 * (need / capacity_now - 1)) if need else None,
        "best_possible_fds": ceiling,
        "note": None
        if need
        else (
            f"{target:.0%} is out of reach by capacity alone: with a {service_days:g}-day "
            f"work-up at most {ceiling:.0%} are told within 28 days even with no "
            "backlog; schemes that shorten the pathway are needed"
        ),
    }
    tumour = _tumour_pathways(con, alliance, capacity)
    name = own[0]["org_name"] if own else alliance
    return Plan(
        alliance,
        name,
        scenario,
        target,
        fc.months[upto - 1],
        rows,
        bt.verdict(),
        {
            "origins": [o.isoformat()[:7] for o in bt.origins],
            "horizon": bt.horizon,
            "model_mae": bt.model_mae,
            "model_mape": bt.model_mape,
            "naive_mae": bt.naive_mae,
            "naive_mape": bt.naive_mape,
            "model_beats_naive": bt.model_beats_naive,
            "fitted_from": fc.fitted_from.isoformat()[:7],
            "fitted_to": fc.fitted_to.isoformat()[:7],
            "method": fc.method,
        },
        dict(cal),
        capacity,
        tumour,
    )


def _tumour_pathways(con: duckdb.DuckDBPyConnection, alliance: str, capacity: dict) -> list[dict]:
    """Capacity needed split by suspected-cancer pathway, in proportion to each one's demand."""
    rows = metrics(con, MetricQuery(standard="fds", level="alliance", org=alliance, by="cancer_type"))
    totals: dict[str, float] = {}
    perf: dict[str, list[float]] = {}
    for r in rows:
        if r["org_code"] == UNMAPPED_CODE:
            continue
        totals[r["cancer_type"]] = totals.get(r["cancer_type"], 0) + r["total"]
        perf.setdefault(r["cancer_type"], []).append(r["within_standard"])
    grand = sum(totals.values()) or 1
    need = capacity.get("weekly_capacity_needed")
    return sorted(
        (
            {
                "tumour_pathway": k,
                "demand_share": v / grand,
                "observed_fds": sum(perf[k]) / v if v else None,
                "weekly_capacity_needed": need * v / grand if need else None,
            }
            for k, v in totals.items()
        ),
        key=lambda r: -r["demand_share"],
    )
