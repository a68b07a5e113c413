"""The read API for wait distributions: per organisation and period, how many patients waited how
long, in the bands NHS England publishes, and how many waited beyond the longest band.

``wait_distribution()`` answers "for this standard, level (and organisation) and these months,
the patients in each band and their share"; each row also carries ``over_104_days`` for the
62-day standard (the longest published band), the number treated after day 104.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from cancerwatch.catalogue.organisations import LEVELS, NATIONAL_CODE, NATIONAL_NAME, UNMAPPED_CODE, default_basis
from cancerwatch.catalogue.standards import get_standard
from cancerwatch.errors import NoData, UnknownOrg, UsageError
from cancerwatch.metrics.wait_bands import band_counts
from cancerwatch.periods import PERIOD_TYPES, period_label
from cancerwatch.queries import UNMAPPED_NAMES, org_names
from cancerwatch.warehouse.connect import ibis_backend

#: The standards whose published figures carry wait bands (monthly workbooks, October 2023 on).
BANDED_STANDARDS = ("fds", "31d", "62d", "usc_foa", "ubs_fha")
LONG_WAIT_DAYS = 104  # the 62-day workbooks' last band is "after 104 days"


@dataclass(frozen=True)
class WaitQuery:
    """A request for :func:`wait_distribution`."""

    standard: str
    level: str = "national"
    org: str | None = None
    period: str = "month"
    by_route: bool = False
    date_from: date | None = None
    date_to: date | None = None
    basis: str | None = None


def _validated(q: WaitQuery) -> WaitQuery:
    get_standard(q.standard)
    if q.standard not in BANDED_STANDARDS:
        raise UsageError(
            f"no published wait bands for {q.standard!r}: use one of {', '.join(BANDED_STANDARDS)} (October 2023 on)"
        )
    if q.level not in LEVELS:
        raise UsageError(f"unknown level {q.level!r}: use one of {', '.join(LEVELS)}")
    if q.period not in PERIOD_TYPES:
        raise UsageError(f"unknown period {q.period!r}: use one of {', '.join(PERIOD_TYPES)}")
    return WaitQuery(
        q.standard,
        q.level,
        q.org.upper() if q.org else None,
        q.period,
        q.by_route,
        q.date_from,
        q.date_to,
        q.basis or default_basis(q.level),
    )


def wait_distribution(con: duckdb.DuckDBPyConnection, query: WaitQuery) -> list[dict]:
    """One row per period × organisation (× route) × band: ``band``, ``from_day``, ``to_day``,
    ``patients``, ``share`` of the organisation's patients that period, and ``over_104_days``
    (62 days: the patients of the organisation and period treated after day 104)."""
    q = _validated(query)
    backend = ibis_backend(con)
    expr = band_counts(
        backend.table("wait_bands"),
        backend.table("wait_band_defs"),
        backend.table("org_rollup"),
        q.standard,
        level=q.level,
        basis=q.basis or "provider",
        period=q.period,
        by_route=q.by_route,
        date_from=q.date_from,
        date_to=q.date_to,
    )
    if q.org and q.level != "national":
        expr = expr.filter(expr.unit_code == q.org)
    rows = expr.to_pyarrow().to_pylist()
    if not rows:
        if q.org:
            raise UnknownOrg(f"no {q.level} organisation {q.org!r} with {q.standard} wait bands on the {q.basis} basis")
        raise NoData(f"no {q.standard} wait bands for the requested periods (published from October 2023)")
    names = org_names(con)
    totals: dict[tuple, float] = {}
    long_waits: dict[tuple, float] = {}
    for r in rows:
        key = (r["period_start"], r["unit_code"], r["route"])
        totals[key] = totals.get(key, 0.0) + float(r["patients"])
        if r["to_day"] is None and r["from_day"] > LONG_WAIT_DAYS:
            long_waits[key] = long_waits.get(key, 0.0) + float(r["patients"])
    out = []
    for r in rows:
        key = (r["period_start"], r["unit_code"], r["route"])
        code = r["unit_code"]
        name = (
            NATIONAL_NAME if code == NATIONAL_CODE else UNMAPPED_NAMES.get(q.level) if code == UNMAPPED_CODE else None
        )
        out.append(
            {
                "period_start": r["period_start"].isoformat(),
                "period_label": period_label(r["period_start"], q.period),
                "standard": q.standard,
                "level": q.level,
                "org_code": code,
                "org_name": name or names.get(code, code),
                **({"route": r["route"]} if q.by_route else {}),
                "band": r["band"],
                "from_day": r["from_day"],
                "to_day": r["to_day"],
                "patients": float(r["patients"]),
                "share": float(r["patients"]) / totals[key] if totals[key] else None,
                "over_104_days": long_waits.get(key, 0.0) if q.standard == "62d" else None,
                "months": int(r["months"]),
                "basis": q.basis,
            }
        )
    out.sort(
        key=lambda r: (
            r["period_start"],
            r["org_code"] == UNMAPPED_CODE,
            r["org_code"],
            r.get("route") or "",
            r["from_day"],
        )
    )
    return out
