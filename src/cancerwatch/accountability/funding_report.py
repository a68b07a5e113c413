"""Per-quarter Alliance allocations under every policy, from the warehouse's figures.

The base share of each Alliance is, by default, its share of 28-day FDS patients over the year on
the commissioner basis (residents of the Alliance referred urgently): a measure of referral
volume, not of population, so it rewards Alliances that refer more. With an ONS population file
(:func:`cancerwatch.accountability.population.read_population`) it is the share of population
instead. Every row and summary names the base used.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from cancerwatch.accountability.funding import AllianceQuarter, Policy, allocate
from cancerwatch.accountability.population import read_population
from cancerwatch.catalogue.organisations import UNMAPPED_CODE
from cancerwatch.errors import InputError, NoData
from cancerwatch.periods import add_months, fy_label
from cancerwatch.queries import MetricQuery, metrics

FDS_VOLUME_BASE = (
    "FDS patient volume: share of 28-day FDS patients resident in the Alliance (commissioner basis); "
    "referral volume, not population"
)


def base_shares(con: duckdb.DuckDBPyConnection, year_start: date, path: Path | None) -> tuple[dict[str, float], str]:
    """Alliance code → base share, and a note naming the base: the ONS population file at
    ``path``, else FDS patient volume over the financial year starting ``year_start``."""
    if path is not None:
        population = read_population(path)
        return population.shares(), f"ONS population from {population.file} ({population.source})"
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
    return {k: v / total for k, v in totals.items()}, FDS_VOLUME_BASE


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
    """Rows per policy × quarter × Alliance, and a summary per policy.

    Each conditional target is looked up for its quarter (:meth:`Target.for_quarter`); the rows
    say which targets applied. An Alliance with figures but no population in the population file
    is refused (it would silently get nothing)."""
    shares, base_note = base_shares(con, year_start, population_csv)
    standards = {s for p in policies.values() for s in p.standards} | {
        t.standard for p in policies.values() for t in p.targets
    }
    figures = _quarter_figures(con, standards, year_start)
    quarters = sorted({q for q, _ in figures})
    if not quarters:
        raise NoData(f"no complete quarters of Alliance figures in {fy_label(year_start.year)}")
    missing = sorted({code for _, code in figures} - set(shares))
    if missing and population_csv is not None:
        raise InputError(f"no population for {', '.join(missing)}", file=Path(population_csv).name)
    quarter_pot = (pot / len(quarters)).quantize(Decimal("0.01"))
    pots = [quarter_pot] * (len(quarters) - 1) + [pot - quarter_pot * (len(quarters) - 1)]
    baseline = quarters[0]
    rows, summary = [], {}
    for pid, policy in policies.items():
        moved = Decimal(0)
        for q, qpot in zip(quarters, pots, strict=True):
            targets = [t.for_quarter(date.fromisoformat(q)) for t in policy.targets]
            units = []
            for (qq, code), f in figures.items():
                if qq != q or code not in shares:
                    continue
                stds = policy.standards or tuple(t.standard for t in policy.targets)
                perf = [f[s] for s in stds if f.get(s) is not None]
                base = figures.get((baseline, code), {})
                imp = [f[s] - base[s] for s in stds if f.get(s) is not None and base.get(s) is not None]
                met = all(
                    value is not None and f.get(t.standard) is not None and f[t.standard] >= value
                    for t, (value, _) in zip(policy.targets, targets, strict=True)
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
            decoupled = allocate(policies.get("decoupled", Policy("decoupled", "base", "")), qpot, units)
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
                        "base_share": u.base_share,
                        "targets": "; ".join(how for _, how in targets),
                        "met_targets": u.met_targets if policy.targets else None,
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
            "base": base_note,
        }
    return rows, summary


def _qlabel(start: str) -> str:
    from cancerwatch.periods import period_label

    return period_label(date.fromisoformat(start), "quarter")
