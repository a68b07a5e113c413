"""Per-quarter Alliance allocations under every policy, from the warehouse's figures.

Population shares come from a CSV (``alliance_code,population``) when given. Without one,
cancerwatch uses each Alliance's share of 28-day FDS patients on the commissioner basis (people
resident in the Alliance who were referred urgently) as a proxy for population — stated in the
output so that nobody mistakes it for a census figure.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from cancerwatch.accountability.funding import AllianceQuarter, Policy, allocate
from cancerwatch.catalogue.organisations import UNMAPPED_CODE
from cancerwatch.catalogue.standards import threshold_in_force
from cancerwatch.errors import InputError, NoData
from cancerwatch.periods import add_months, fy_label
from cancerwatch.queries import MetricQuery, metrics

POPULATION_PROXY = "share of 28-day FDS patients resident in the Alliance (commissioner basis), as a population proxy"


def population_shares(con: duckdb.DuckDBPyConnection, year_start: date, path: Path | None) -> tuple[dict, str]:
    """Alliance code → population share, and a note saying where the shares come from."""
    if path is not None:
        shares: dict[str, float] = {}
        with Path(path).open(newline="", encoding="utf-8-sig") as fh:
            for n, row in enumerate(csv.DictReader(fh), start=2):
                try:
                    shares[row["alliance_code"].strip()] = float(row["population"])
                except (KeyError, ValueError, AttributeError):
                    raise InputError(
                        "needs columns alliance_code and population (a number)", file=Path(path).name, row=n
                    ) from None
        total = sum(shares.values())
        return {k: v / total for k, v in shares.items()}, f"population from {Path(path).name}"
    rows = metrics(
        con,
        MetricQuery(
            standard="fds",
            level="alliance",
            basis="commissioner",
            period="year",
            date_from=year_start,
            date_to=add_months(year_start, 11),
        ),
    )
    totals = {r["org_code"]: r["total"] for r in rows if r["org_code"] != UNMAPPED_CODE}
    total = sum(totals.values())
    return {k: v / total for k, v in totals.items()}, POPULATION_PROXY


def _quarter_figures(con, standards: set[str], year_start: date) -> dict[tuple, dict]:
    out: dict[tuple, dict] = {}
    for s in standards:
        for r in metrics(
            con,
            MetricQuery(
                standard=s, level="alliance", period="quarter", date_from=year_start, date_to=add_months(year_start, 11)
            ),
        ):
            if r["org_code"] == UNMAPPED_CODE or r["months"] != 3:
                continue
            out.setdefault((r["period_start"], r["org_code"]), {"name": r["org_name"]})[s] = r["performance"]
    return out


def funding_rows(
    con: duckdb.DuckDBPyConnection,
    *,
    pot: Decimal,
    year_start: date,
    policies: dict[str, Policy],
    population_csv: Path | None = None,
) -> tuple[list[dict], dict]:
    """Rows per policy × quarter × Alliance, and a summary per policy."""
    shares, population_note = population_shares(con, year_start, population_csv)
    standards = {s for p in policies.values() for s in p.standards} | {
        t[0] for p in policies.values() for t in p.targets
    }
    figures = _quarter_figures(con, standards, year_start)
    quarters = sorted({q for q, _ in figures})
    if not quarters:
        raise NoData(f"no complete quarters of Alliance figures in {fy_label(year_start.year)}")
    quarter_pot = (pot / len(quarters)).quantize(Decimal("0.01"))
    pots = [quarter_pot] * (len(quarters) - 1) + [pot - quarter_pot * (len(quarters) - 1)]
    baseline = quarters[0]
    rows, summary = [], {}
    for pid, policy in policies.items():
        moved = Decimal(0)
        for q, qpot in zip(quarters, pots, strict=True):
            units = []
            for (qq, code), f in figures.items():
                if qq != q or code not in shares:
                    continue
                stds = policy.standards or tuple(t[0] for t in policy.targets)
                perf = [f.get(s) for s in stds if f.get(s) is not None]
                base = figures.get((baseline, code), {})
                imp = [f[s] - base[s] for s in stds if f.get(s) is not None and base.get(s) is not None]
                met = all(
                    f.get(s) is not None
                    and f[s]
                    >= (v if v is not None else (threshold_in_force(s, add_months(date.fromisoformat(q), 2)) or 0))
                    for s, v in policy.targets
                )
                units.append(
                    AllianceQuarter(
                        code,
                        f["name"],
                        shares[code],
                        met,
                        sum(perf) / len(perf) if perf else 0,
                        sum(imp) / len(imp) if imp else 0.0,
                    )
                )
            decoupled = allocate(policies.get("decoupled", Policy("decoupled", "population", "")), qpot, units)
            alloc = allocate(policy, qpot, units)
            for u in units:
                diff = alloc[u.code] - decoupled[u.code]
                if u.met_targets and diff > 0:
                    moved += diff
                rows.append(
                    {
                        "policy": pid,
                        "quarter": _qlabel(q),
                        "alliance_code": u.code,
                        "alliance_name": u.name,
                        "population_share": u.population_share,
                        "met_targets": u.met_targets,
                        "performance": u.performance,
                        "improvement": u.improvement,
                        "allocation": float(alloc[u.code]),
                        "decoupled_allocation": float(decoupled[u.code]),
                        "difference": float(diff),
                    }
                )
        total = sum(Decimal(str(r["allocation"])) for r in rows if r["policy"] == pid)
        summary[pid] = {
            "policy": pid,
            "description": policy.description,
            "total_allocated": float(total),
            "pot": float(pot),
            "quarters": len(quarters),
            "moved_to_alliances_meeting_targets": float(moved),
            "population": population_note,
        }
    return rows, summary


def _qlabel(start: str) -> str:
    from cancerwatch.periods import period_label

    return period_label(date.fromisoformat(start), "quarter")
