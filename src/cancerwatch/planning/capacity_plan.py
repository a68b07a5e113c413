"""The planner's answer for one Alliance: referral demand, DM01 capacity and backlog, activity needed.

1. **Demand**: the Alliance's urgent referrals seen each month (first-appointment measures
   ``usc_foa`` + ``ubs_fha``, provider basis, October 2023 on; before a succession, the sum of the
   predecessor Alliances), forecast with ``referral_forecast.adjusted_forecast`` (working days and
   the national series' seasonality) and back-tested from every origin against seasonal naive.
2. **Capacity and backlog** from DM01, for the cancer-pathway tests: activity (tests done) as
   capacity, the month-end waiting list and its 6+ week waiters as the backlog.
3. **Conversion**: tests per referral = DM01 pathway-test activity ÷ referrals seen (monthly,
   with its spread); a share of that activity serves cancer pathways (an assumption, an option).
4. **The DM01 standard** (the ambition in force for the target month, else the operational
   threshold): per test, the monthly activity that meets forecast demand and clears the 6+ week
   backlog beyond the allowed share by the target month (``diagnostic_capacity``).
5. **The FDS ambition**: the monthly backlog balance of ``backlog_model`` in cancer-pathway tests:
   capacity = the cancer share of current activity, backlog = the cancer share of the 6+ week
   waiters, demand = cancer-pathway tests per referral × forecast referrals. A patient waits the
   time the backlog takes to clear, the fixed days, then the work-up; the mean work-up is fitted to
   the Alliance's observed FDS over the DM01 months unless given. The least capacity reaching the
   target in the target month is found by bisection.
"""

from __future__ import annotations

import calendar
import statistics
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise

import duckdb
from scipy.optimize import minimize_scalar  # type: ignore[import-untyped]

from cancerwatch.catalogue.diagnostics import DM01, threshold_for
from cancerwatch.catalogue.planning import (
    assumptions,
    planning_rules,
    planning_sources,
    predecessors,
    rule_date,
)
from cancerwatch.catalogue.standards import ambition_for, threshold_in_force
from cancerwatch.diagnostics_queries import DiagnosticsQuery, diagnostics
from cancerwatch.errors import NoData, UnknownOrg, UsageError
from cancerwatch.periods import add_months
from cancerwatch.planning.backlog_model import capacity_for_target, run_months, share_with_delay
from cancerwatch.planning.diagnostic_capacity import (
    demand_forecast,
    monthly_demand,
    need_for_test,
    pathway_tests_per_referral,
)
from cancerwatch.planning.referral_forecast import (
    adjusted_forecast,
    rolling_backtest,
    seasonal_profile,
    working_days,
)
from cancerwatch.planning.scenarios import Scenario
from cancerwatch.queries import MetricQuery, metrics

WEEKS_PER_MONTH = 365.25 / 12 / 7
DEMAND_STANDARDS = ("usc_foa", "ubs_fha")  # urgent suspected cancer + breast symptoms, first seen
SEASONAL_STANDARDS = ("2ww", "2ww_breast")  # the same measures in the national series


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
    demand: dict
    conversion: dict
    fds_model: dict
    capacity: dict
    dm01: dict
    tests: list[dict] = field(default_factory=list)
    assumptions: list[dict] = field(default_factory=list)


def _days(month: date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def _weeks(month: date) -> float:
    return _days(month) / 7


def _month(text: str) -> date:
    return date.fromisoformat(text[:10])


def alliance_referrals(con: duckdb.DuckDBPyConnection, alliance: str) -> tuple[list[date], list[float], list[str]]:
    """Urgent referrals seen per month (``usc_foa`` + ``ubs_fha``), with the months read from
    predecessor Alliances (summed) before a succession."""
    before = predecessors(alliance)
    codes = {alliance, *(p for p, _ in before)}
    totals: dict[date, float] = {}
    found = False
    for std in DEMAND_STANDARDS:
        for r in metrics(con, MetricQuery(standard=std, level="alliance")):
            code, month = r["org_code"], _month(r["period_start"])
            if code not in codes:
                continue
            if code != alliance and not any(code == p and month < start for p, start in before):
                continue
            found = found or code == alliance
            totals[month] = totals.get(month, 0.0) + float(r["total"])
    if not found:
        raise UnknownOrg(f"no alliance organisation {alliance!r} with urgent referrals seen (usc_foa) figures")
    months = sorted(totals)
    for a, b in pairwise(months):
        if add_months(a, 1) != b:
            raise NoData(f"urgent referrals for {alliance} miss the months between {a:%Y-%m} and {b:%Y-%m}")
    summed = sorted({m.isoformat()[:7] for m in months if any(m < start for _, start in before)})
    return months, [totals[m] for m in months], summed


def national_profile(con: duckdb.DuckDBPyConnection):
    """Seasonal factors of referrals per working day from the national series (``planning.toml`` rules)."""
    start, end = rule_date("seasonal_from"), rule_date("seasonal_to")
    totals: dict[date, float] = {}
    for std in SEASONAL_STANDARDS:
        rows = metrics(con, MetricQuery(standard=std, level="national", date_from=start, date_to=end))
        for r in rows:
            totals[_month(r["period_start"])] = totals.get(_month(r["period_start"]), 0.0) + float(r["total"])
    months = sorted(totals)
    source = planning_sources()[str(planning_rules()["seasonal_source"])]
    return seasonal_profile(months, [totals[m] for m in months], source=source)


def _dm01_by_month(con: duckdb.DuckDBPyConnection, alliance: str) -> tuple[list[date], dict[str, dict[date, dict]]]:
    rows = diagnostics(con, DiagnosticsQuery(level="alliance", org=alliance))
    by_test: dict[str, dict[date, dict]] = {}
    for r in rows:
        by_test.setdefault(r["test"], {})[_month(r["period_start"])] = r
    months = sorted({m for t in by_test.values() for m in t})
    for a, b in pairwise(months):
        if add_months(a, 1) != b:
            raise NoData(f"DM01 figures for {alliance} miss the months between {a:%Y-%m} and {b:%Y-%m}")
    return months, by_test


def fit_service_days(observed: list[tuple[float, float]], *, fixed_days: float, low: float, high: float) -> float:
    """Mean work-up (days) whose modelled FDS best fits observed (delay days, FDS share) pairs."""

    def sse(s: float) -> float:
        return sum((share_with_delay(d, service_days=s, fixed_days=fixed_days) - p) ** 2 for d, p in observed)

    return float(minimize_scalar(sse, bounds=(low, high), method="bounded", options={"xatol": 0.01}).x)


def _check(key: str, value: float | None) -> float | None:
    if value is None:
        return None
    a = assumptions()[key]
    if not a.low <= value <= a.high:
        raise UsageError(f"{a.option} must be between {a.low:g} and {a.high:g} ({a.unit}); got {value:g}")
    return float(value)


def _target(target: float | None, target_month: date | None, first_forecast: date, horizon_end: date):
    """The FDS target and month: the ambition in force (catalogue) unless given."""
    if target_month is None:
        amb = ambition_for("fds", first_forecast)
        target_month = amb[1] if amb and amb[1] <= horizon_end else horizon_end
    if target_month < first_forecast:
        raise UsageError(
            f"--by {target_month:%Y-%m} is not after the last month of data ({add_months(first_forecast, -1):%Y-%m})"
        )
    if target_month > horizon_end:
        raise UsageError(
            f"--by {target_month:%Y-%m} is beyond the forecast horizon ({horizon_end:%Y-%m}): raise --horizon"
        )
    if target is not None:
        return target, target_month, "given with --target"
    amb = ambition_for("fds", target_month)
    if amb:
        return amb[0], target_month, f"FDS ambition for {amb[1]:%B %Y} (catalogue)"
    value = threshold_in_force("fds", target_month)
    if value is None:
        raise NoData(f"no FDS threshold in force in {target_month:%Y-%m}")
    return value, target_month, "FDS operational standard (catalogue)"


def plan_alliance(
    con: duckdb.DuckDBPyConnection,
    alliance: str,
    *,
    scenario: Scenario,
    target: float | None = None,
    horizon: int = 12,
    target_month: date | None = None,
    cancer_share: float | None = None,
    fixed_days: float | None = None,
    service_days: float | None = None,
    tests_per_referral_override: float | None = None,
) -> Plan:
    """Demand, DM01 capacity and backlog, and the activity the FDS and DM01 targets need."""
    catalogue = assumptions()
    share = _check("cancer_share", cancer_share)
    share = share if share is not None else float(catalogue["cancer_share"].default)
    fixed = _check("fixed_days", fixed_days)
    fixed = fixed if fixed is not None else float(catalogue["fixed_days"].default)
    given_service = _check("service_days", service_days)
    given_tpr = _check("tests_per_referral", tests_per_referral_override)

    # 1. demand: referrals seen, forecast and back-tested
    months, referrals, summed = alliance_referrals(con, alliance)
    profile = national_profile(con)
    min_train = int(planning_rules()["backtest_min_train"])
    if len(months) <= min_train:
        raise NoData(
            f"{alliance}: {len(months)} months of urgent referrals seen ({months[0]:%Y-%m} to {months[-1]:%Y-%m}); "
            f"a plan needs more than {min_train} (an Alliance that was succeeded is planned under its successor)"
        )
    bt = rolling_backtest(months, referrals, profile, min_train=min_train, max_horizon=horizon)
    fc = adjusted_forecast(months, referrals, profile, horizon)
    grow = 1 + scenario.demand_growth_pct / 100
    target_value, when, target_source = _target(target, target_month, fc.months[0], fc.months[-1])
    upto = fc.months.index(when) + 1

    # 2. DM01 capacity and backlog of the cancer-pathway tests
    dm_months, by_test = _dm01_by_month(con, alliance)
    ref = dict(zip(months, referrals, strict=True))
    both = [m for m in dm_months if m in ref]
    if len(both) < 2:
        raise NoData(f"{alliance}: fewer than two months with both DM01 figures and referrals seen")
    last = dm_months[-1]
    if when <= last:
        raise UsageError(f"the target month {when:%Y-%m} must be after the last DM01 month ({last:%Y-%m})")
    recent = dm_months[-int(planning_rules()["current_activity_months"]) :]
    tests = sorted(by_test)

    def total(m: date, key: str) -> float:
        return float(sum(by_test[t][m][key] for t in tests if m in by_test[t]))

    activity = {m: total(m, "total_activity") for m in both}
    tpr = pathway_tests_per_referral(
        {m.isoformat(): a for m, a in activity.items()}, {m.isoformat(): ref[m] for m in both}
    )
    all_activity = sum(activity.values())
    mix = {
        t: sum(float(by_test[t][m]["total_activity"]) for m in both if m in by_test[t]) / all_activity for t in tests
    }
    ratio_tpr = all_activity / sum(ref[m] for m in both)  # Σ activity ÷ Σ referrals over the same months
    cancer_tpr = given_tpr if given_tpr is not None else share * ratio_tpr

    # 3. the FDS model: delay behind the 6+ week backlog; work-up fitted unless given
    fds_rows = {
        _month(r["period_start"]): r for r in metrics(con, MetricQuery(standard="fds", level="alliance", org=alliance))
    }
    observed = []
    for m in dm_months:
        a = total(m, "total_activity")
        if m in fds_rows and fds_rows[m]["performance"] is not None and a > 0:
            observed.append((m, _days(m) * total(m, "waiting_6plus") / a, float(fds_rows[m]["performance"])))
    if not observed:
        raise NoData(f"{alliance}: no month with both FDS and DM01 figures to model the pathway")
    sd = catalogue["service_days"]
    fitted = fit_service_days([(d, p) for _, d, p in observed], fixed_days=fixed, low=sd.low, high=sd.high)
    s = given_service if given_service is not None else fitted
    modelled_obs = [
        {
            "month": m.isoformat()[:7],
            "delay_days": d,
            "observed_fds": p,
            "modelled_fds": share_with_delay(d, service_days=s, fixed_days=fixed),
        }
        for m, d, p in observed
    ]
    fit_mae = 100 * statistics.fmean(
        abs(share_with_delay(d, service_days=s, fixed_days=fixed) - p) for _, d, p in observed
    )

    activity_now = statistics.fmean(total(m, "total_activity") for m in recent)
    capacity_now = share * activity_now / WEEKS_PER_MONTH  # cancer-pathway tests a week
    planned = capacity_now * (1 + scenario.extra_capacity_pct / 100)
    backlog_now = share * total(last, "waiting_6plus") + scenario.start_backlog * cancer_tpr
    demand = [r * grow * cancer_tpr for r in fc.mean]
    weeks = [_weeks(m) for m in fc.months]
    run = run_months(
        demand,
        weeks,
        weekly_capacity=planned,
        start_backlog=backlog_now,
        service_days=s,
        fixed_days=fixed,
        schemes=scenario.schemes,
    )
    need = capacity_for_target(
        target_value,
        demand[:upto],
        weeks[:upto],
        start_backlog=backlog_now,
        service_days=s,
        fixed_days=fixed,
        schemes=scenario.schemes,
    )
    ceiling = share_with_delay(0.0, service_days=s, fixed_days=fixed, schemes=scenario.schemes)

    # 4. the DM01 six-week target for the target month
    amb = threshold_for(DM01, when, "ambition")
    op = threshold_for(DM01, when)
    dm_threshold = amb or op
    if dm_threshold is None:
        raise NoData(f"no DM01 threshold in force in {when:%Y-%m}")
    months_to_target = len(fc.months[:upto])
    # "now": the latest DM01 months, for activity, demand (activity + change in the list) and referrals
    before_recent = add_months(recent[0], -1)
    with_prior = [m for m in dm_months if m >= before_recent]
    base_referrals = statistics.fmean(ref[m] for m in recent if m in ref)
    forecast_refs = [r * grow for r in fc.mean[:upto]]
    fds_extra_month = (need * WEEKS_PER_MONTH - share * activity_now) if need is not None else None
    test_rows = []
    for t in tests:
        series = [by_test[t][m] for m in with_prior if m in by_test[t]]
        act = [float(r["total_activity"]) for r in series]
        wl = [float(r["waiting_list"]) for r in series]
        base = statistics.fmean(monthly_demand(act, wl)) if len(series) > 1 else act[0]
        dem = statistics.fmean(demand_forecast(base, cancer_tpr * mix[t], base_referrals, forecast_refs))
        now = statistics.fmean(float(by_test[t][m]["total_activity"]) for m in recent if m in by_test[t])
        lr = by_test[t][last]
        n = need_for_test(
            t,
            activity_now=now,
            demand=dem,
            waiting_list=float(lr["waiting_list"]),
            waiting_6plus=float(lr["waiting_6plus"]),
            max_share=dm_threshold.value,
            months=months_to_target,
        )
        test_rows.append(
            {
                "test": t,
                "test_name": lr["test_name"],
                "activity_now": n.activity_now,
                "activity_mix": mix[t],
                "tests_per_referral": ratio_tpr * mix[t],
                "demand_forecast": n.demand,
                "waiting_list": n.waiting_list,
                "waiting_6plus": n.waiting_6plus,
                "share_6plus": n.waiting_6plus / n.waiting_list if n.waiting_list else None,
                "backlog_to_clear": n.backlog_to_clear,
                "activity_needed_dm01": n.activity_needed,
                "gap_dm01": n.gap,
                "gap_dm01_pct": n.gap_pct,
                "activity_needed_fds": now + fds_extra_month * mix[t] if fds_extra_month is not None else None,
            }
        )
    dm_total_need = sum(r["activity_needed_dm01"] for r in test_rows)
    dm_short = sum(max(0.0, r["gap_dm01"]) for r in test_rows)
    dm_total_now = sum(r["activity_now"] for r in test_rows)

    rows = []
    for m, mean, lo, hi, d, r in zip(fc.months, fc.mean, fc.lower, fc.upper, demand, run, strict=True):
        amb_m = ambition_for("fds", m)
        rows.append(
            {
                "month": m.isoformat()[:7],
                "working_days": working_days(m),
                "referrals": round(mean * grow),
                "referrals_lower": round(lo * grow),
                "referrals_upper": round(hi * grow),
                "cancer_tests": round(d),
                "cancer_capacity": round(planned * _weeks(m)),
                "backlog": round(r.backlog_start),
                "modelled_fds": r.share_within,
                "ambition": amb_m[0] if amb_m else None,
            }
        )
    used = {
        "cancer_share": (share, cancer_share is not None),
        "fixed_days": (fixed, fixed_days is not None),
        "service_days": (s, given_service is not None),
        "tests_per_referral": (cancer_tpr, given_tpr is not None),
    }
    sources = planning_sources()
    assumption_rows = [
        {
            "key": k,
            "option": catalogue[k].option,
            "label": catalogue[k].label,
            "value": v,
            "from": "given"
            if given
            else ("default" if not isinstance(catalogue[k].default, str) else catalogue[k].default),
            "default": catalogue[k].default,
            "source": "given on the command line" if given else sources[catalogue[k].source],
            "confidence": None if given else catalogue[k].confidence,
            "note": catalogue[k].note,
        }
        for k, (v, given) in used.items()
    ]
    name = fds_rows[last]["org_name"] if last in fds_rows else alliance
    return Plan(
        alliance_code=alliance,
        alliance_name=name,
        scenario=scenario,
        target=target_value,
        target_month=when,
        forecast_rows=rows,
        backtest_verdict=bt.verdict(),
        backtest={
            "origins": [o.isoformat()[:7] for o in bt.origins],
            "forecasts": bt.forecasts,
            "max_horizon": bt.max_horizon,
            "model_mae": bt.model_mae,
            "model_mape": bt.model_mape,
            "naive_mae": bt.naive_mae,
            "naive_mape": bt.naive_mape,
            "model_beats_naive": bt.model_beats_naive,
            "naive": "seasonal naive (same month a year earlier)",
            "method": fc.method,
            "seasonality_from": f"{profile.fitted_from:%Y-%m} to {profile.fitted_to:%Y-%m}",
            "seasonality_source": profile.source,
        },
        demand={
            "measure": "urgent referrals seen: usc_foa + ubs_fha totals, provider basis",
            "first_month": months[0].isoformat()[:7],
            "last_month": months[-1].isoformat()[:7],
            "months": len(months),
            "observed": [{"month": m.isoformat()[:7], "referrals": v} for m, v in zip(months, referrals, strict=True)],
            "summed_from_predecessors": summed,
            "predecessors": [p for p, _ in predecessors(alliance)],
        },
        conversion={
            "tests_per_referral": {
                "mean": tpr.mean,
                "sd": tpr.sd,
                "low": tpr.low,
                "high": tpr.high,
                "months": tpr.months,
            },
            "tests_per_referral_pooled": ratio_tpr,
            "months": f"{both[0]:%Y-%m} to {both[-1]:%Y-%m}",
            "cancer_share": share,
            "cancer_tests_per_referral": cancer_tpr,
        },
        fds_model={
            "service_days": s,
            "service_days_fitted": fitted,
            "fixed_days": fixed,
            "fit_months": len(modelled_obs),
            "fit_mae_points": fit_mae,
            "delay_days_now": modelled_obs[-1]["delay_days"],
            "modelled": modelled_obs,
        },
        capacity={
            "target": target_value,
            "target_source": target_source,
            "target_month": when.isoformat()[:7],
            "months_to_target": months_to_target,
            "activity_now": activity_now,
            "activity_now_months": f"{recent[0]:%Y-%m} to {recent[-1]:%Y-%m}",
            "cancer_capacity_now": capacity_now * WEEKS_PER_MONTH,
            "cancer_capacity_planned": planned * WEEKS_PER_MONTH,
            "cancer_capacity_needed": need * WEEKS_PER_MONTH if need is not None else None,
            "activity_needed_fds": activity_now + fds_extra_month if fds_extra_month is not None else None,
            "increase_pct_fds": 100 * fds_extra_month / activity_now if fds_extra_month is not None else None,
            "backlog_now": backlog_now,
            "reachable": need is not None,
            "best_possible_fds": ceiling,
            "note": None
            if need is not None
            else (
                f"{target_value:.0%} FDS is out of reach by diagnostic capacity alone: with a {s:.1f}-day work-up "
                f"after {fixed:g} fixed days at most {ceiling:.0%} are told within 28 days even with no "
                "backlog; schemes that shorten the pathway are needed"
            ),
        },
        dm01={
            "max_share_6plus": dm_threshold.value,
            "kind": dm_threshold.kind,
            "source": dm_threshold.source,
            "months_to_target": months_to_target,
            "activity_now": dm_total_now,
            "activity_needed": dm_total_need,
            "gap": dm_total_need - dm_total_now,
            "gap_pct": 100 * (dm_total_need / dm_total_now - 1) if dm_total_now else None,
            "short": dm_short,
            "tests_short": [r["test"] for r in test_rows if r["gap_dm01"] > 0],
            "waiting_list": sum(r["waiting_list"] for r in test_rows),
            "waiting_6plus": sum(r["waiting_6plus"] for r in test_rows),
            "backlog_to_clear": sum(r["backlog_to_clear"] for r in test_rows),
            "last_month": last.isoformat()[:7],
        },
        tests=test_rows,
        assumptions=assumption_rows,
    )
