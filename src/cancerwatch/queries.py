"""The read API every front end uses (CLI, JSON API, web pages, reports).

``metrics()`` answers "performance of a standard at a level and period"; each row carries the
CLI contract's fields (design.md) plus the comparison with England and the peer rank.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

import duckdb

from cancerwatch.analytics.intervals import wilson_interval
from cancerwatch.catalogue.organisations import (
    LEVELS,
    NATIONAL_CODE,
    NATIONAL_NAME,
    UNMAPPED_CODE,
    default_basis,
    levels_for_basis,
)
from cancerwatch.catalogue.standards import ambition_for, get_standard, threshold_in_force
from cancerwatch.errors import NoData, UnknownOrg, UsageError
from cancerwatch.metrics.performance import BY_COLUMNS, TUMOUR_SCHEMES, metric_counts, national_series_counts
from cancerwatch.periods import PERIOD_TYPES, add_months, period_label
from cancerwatch.warehouse.connect import ibis_backend

DATASETS = ("published", "record")
ROLLING = "rolling12"  # rolling 12 months ending in each month
UNMAPPED_NAMES = {
    "provider": "Not mapped",
    "icb": "Not mapped to an ICB (independent sector, hubs, unknown)",
    "sub_icb": "Not mapped to a sub-ICB location (hubs, unknown, ICB-level rows)",
    "alliance": "Not mapped to a Cancer Alliance (independent sector, hubs, unknown)",
    "region": "Not mapped to a region (independent sector, hubs, unknown)",
}


@dataclass(frozen=True)
class MetricQuery:
    """A validated request for ``metrics``."""

    standard: str
    level: str = "national"
    period: str = "month"
    org: str | None = None
    by: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    basis: str | None = None
    dataset: str = "published"
    tumour_scheme: str = "as_published"

    def validated(self) -> MetricQuery:
        """Check every option up front; return the query with the default basis filled in."""
        get_standard(self.standard)
        if self.level not in LEVELS:
            raise UsageError(f"unknown level {self.level!r}: use one of {', '.join(LEVELS)}")
        if self.period not in (*PERIOD_TYPES, ROLLING):
            raise UsageError(f"unknown period {self.period!r}: use one of {', '.join((*PERIOD_TYPES, ROLLING))}")
        if self.tumour_scheme not in TUMOUR_SCHEMES:
            raise UsageError(f"unknown tumour scheme {self.tumour_scheme!r}: use one of {', '.join(TUMOUR_SCHEMES)}")
        if self.by is not None and self.by not in BY_COLUMNS:
            raise UsageError(f"unknown breakdown {self.by!r}: use one of {', '.join(BY_COLUMNS)}")
        if self.dataset not in DATASETS:
            raise UsageError(f"unknown dataset {self.dataset!r}: use one of {', '.join(DATASETS)}")
        basis = self.basis or default_basis(self.level)
        if basis not in ("provider", "commissioner"):
            raise UsageError(f"unknown basis {basis!r}: use provider or commissioner")
        if self.level not in levels_for_basis(basis):
            raise UsageError(f"level {self.level!r} is not available on the {basis} basis")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise UsageError("--from is after --to")
        return replace(self, org=self.org.upper() if self.org else None, basis=basis)


def _num(v: object) -> float:
    return float(v) if isinstance(v, Decimal) else float(v or 0)


def org_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Organisation code → name (first name seen for a code)."""
    names: dict[str, str] = {}
    for code, name in con.execute("SELECT org_code, org_name FROM organisations ORDER BY org_type").fetchall():
        names.setdefault(code, name)
    return names


def _counts(con: duckdb.DuckDBPyConnection, q: MetricQuery, *, backend=None) -> list[dict]:
    backend = backend if backend is not None else ibis_backend(con)
    facts, rollup = backend.table("facts"), backend.table("org_rollup")
    std = get_standard(q.standard)
    rolling = q.period == ROLLING
    period = "month" if rolling else q.period
    date_from = add_months(q.date_from, -11) if (rolling and q.date_from) else q.date_from
    expr = metric_counts(
        facts,
        rollup,
        std,
        level=q.level,
        period=period,
        basis=q.basis,
        dataset=q.dataset,
        by=q.by,
        date_from=date_from,
        date_to=q.date_to,
        tumour_scheme=q.tumour_scheme,
        tumour_map=backend.table("tumour_map"),
    )
    rows = expr.to_pyarrow().to_pylist()
    if q.level == "national" and q.by is None and q.dataset == "published":
        covered = {r["period_start"] for r in rows}
        series = national_series_counts(
            backend.table("national_series"), q.standard, period=period, date_from=date_from, date_to=q.date_to
        )
        for r in series.to_pyarrow().to_pylist():
            if r["period_start"] not in covered:
                r["source"] = "national_series"
                rows.append(r)
    if rolling:
        rows = rolling_sums(rows, q.date_from)
    return rows


def rolling_sums(rows: list[dict], date_from: date | None) -> list[dict]:
    """Rolling 12-month sums ending in each month that has all 12 months (counts summed)."""
    by_key: dict[tuple, dict[date, dict]] = {}
    for r in rows:
        by_key.setdefault((r["unit_code"], r.get("by_value")), {})[r["period_start"]] = r
    out = []
    for series in by_key.values():
        for end in sorted(series):
            window = [series.get(add_months(end, -k)) for k in range(12)]
            if any(w is None for w in window) or (date_from and end < date_from):
                continue
            out.append(
                {
                    **series[end],
                    "period_start": add_months(end, -11),
                    "months": 12,
                    "total": sum(_num(w["total"]) for w in window),
                    "within_standard": sum(_num(w["within_standard"]) for w in window),
                    "breaches": sum(_num(w["breaches"]) for w in window),
                }
            )
    return out


def metrics(con: duckdb.DuckDBPyConnection, query: MetricQuery, *, backend=None) -> list[dict]:
    """Rows of performance for ``query``, sorted by period then organisation (see module doc)."""
    q = query.validated()
    rows = _counts(con, q, backend=backend)
    if not rows:
        raise NoData(f"no {q.standard} figures on the {q.basis} basis for the requested periods")
    names = org_names(con)
    england = _england_by_period(con, q, backend=backend) if q.level != "national" else {}
    out = [_row(q, r, names, england) for r in rows]
    _rank(out)  # among all peers, before any --org filter
    if q.org:
        out = [r for r in out if r["org_code"] == q.org]
        if not out:
            raise UnknownOrg(f"no {q.level} organisation {q.org!r} with {q.standard} figures on the {q.basis} basis")
    out.sort(
        key=lambda r: (r["period_start"], r.get(q.by or "", "") or "", r["org_code"] == UNMAPPED_CODE, r["org_code"])
    )
    return out


def _england_by_period(con: duckdb.DuckDBPyConnection, q: MetricQuery, *, backend=None) -> dict[tuple, float]:
    nat = replace(q, level="national", org=None)
    out = {}
    for r in _counts(con, nat, backend=backend):
        if _num(r["total"]) > 0:
            out[(r["period_start"], r.get("by_value"))] = _num(r["within_standard"]) / _num(r["total"])
    return out


def _period_end(start: date, period: str) -> date:
    return add_months(start, {"month": 0, "quarter": 2, "year": 11, ROLLING: 11}[period])


def _row(q: MetricQuery, r: dict, names: dict[str, str], england: dict[tuple, float]) -> dict:
    start: date = r["period_start"]
    total, within, breaches = _num(r["total"]), _num(r["within_standard"]), _num(r["breaches"])
    perf = within / total if total else None
    low, high = wilson_interval(within, total) if total else (None, None)
    # A quarter or year is judged against the threshold in force in its last month.
    judged_on = _period_end(start, q.period)
    threshold = threshold_in_force(q.standard, judged_on)
    ambition = ambition_for(q.standard, judged_on)
    code = r["unit_code"]
    if code == NATIONAL_CODE:
        name = NATIONAL_NAME
    elif code == UNMAPPED_CODE:
        name = UNMAPPED_NAMES[q.level]
    else:
        name = names.get(code, code)
    row = {
        "period_start": start.isoformat(),
        "period_label": (
            f"12 months to {period_label(judged_on, 'month')}" if q.period == ROLLING else period_label(start, q.period)
        ),
        "standard": q.standard,
        "level": q.level,
        "org_code": code,
        "org_name": name,
    }
    if q.by:
        row[q.by] = r.get("by_value")
    eng = england.get((start, r.get("by_value")))
    row.update(
        {
            "total": total,
            "within_standard": within,
            "breaches": breaches,
            "performance": perf,
            "ci_low": low,
            "ci_high": high,
            "threshold": threshold,
            "met": (perf >= threshold) if (perf is not None and threshold is not None) else None,
            "ambition": ambition[0] if ambition else None,
            "ambition_month": ambition[1].isoformat()[:7] if ambition else None,
            "england_performance": eng,
            "compared_with_england": _compare(low, high, eng),
            "rank": None,
            "peers": None,
            "months": int(r.get("months") or 0),
            "basis": q.basis,
            "source": r.get("source", q.dataset),
        }
    )
    return row


def _compare(low: float | None, high: float | None, england: float | None) -> str | None:
    """Fingertips-style comparison: the 95% interval wholly above / below England's value."""
    if low is None or high is None or england is None:
        return None
    if low > england:
        return "better"
    if high < england:
        return "worse"
    return "similar"


def _rank(rows: list[dict]) -> None:
    """Rank organisations within each period (and breakdown) by performance: 1 = best, ties share
    a rank (standard competition ranking, "1224"), so ranks never depend on row order."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        if r["org_code"] in (UNMAPPED_CODE, NATIONAL_CODE) or r["performance"] is None:
            continue
        key = (r["period_start"], *[r.get(b) for b in BY_COLUMNS if b in r])
        groups.setdefault(key, []).append(r)
    for members in groups.values():
        values = sorted((r["performance"] for r in members), reverse=True)
        for r in members:
            r["rank"] = 1 + sum(1 for v in values if v > r["performance"])
            r["peers"] = len(members)
