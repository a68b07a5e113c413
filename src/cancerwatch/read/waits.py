"""Wait distributions: the published waits of a standard in day bands (``wait_queries``), as the
viewer sees them.

NHS England's monthly workbooks publish the bands (October 2023 on), so they are shown as
published, unrounded, in public mode too (:mod:`.disclosure`): the rows are the read API's, unchanged (memoised: do not
change them).

One Alliance's bands read continuously across its start: East of England's months before April
2024 are the sum of East of England - North and - South's patients in each band, marked with
``combined_from`` and ``combined_note`` (:mod:`.succession`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from cancerwatch.catalogue.organisations import default_basis
from cancerwatch.errors import NoData, UnknownOrg
from cancerwatch.periods import months_between
from cancerwatch.read.context import Reader
from cancerwatch.read.prepared import has_level_months, level_month_rows
from cancerwatch.read.succession import combined_note, predecessor_months
from cancerwatch.wait_queries import LONG_WAIT_DAYS, WaitQuery, wait_distribution

WAIT_DATASET = "published"


@dataclass
class WaitTable:
    """Rows per period × organisation (× route) × band, and the disclosure rule applied to them."""

    query: WaitQuery
    rows: list[dict]
    disclosure: str


def wait_table(reader: Reader, query: WaitQuery) -> WaitTable:
    """The wait distribution of ``query`` (kept per warehouse version)."""
    rows = reader.memo(("waits", query), lambda: _with_predecessors(reader, query))
    return WaitTable(query, rows, reader.disclosure.label(WAIT_DATASET))


def level_month_waits(reader: Reader, standard: str, level: str, month: date) -> list[dict]:
    """Every organisation's bands at ``level`` in ``month`` ([] when none are published).

    Prepared at load time (``cancerwatch.read.preparation``); the rows of one organisation are the
    rows of :func:`wait_distribution` asked for that organisation (its shares are of its own
    patients)."""

    query = WaitQuery(standard, level, None, "month", False, month, month)
    return level_month_rows(reader, "waits", (standard, level), month, lambda: wait_distribution(reader.con, query))


def org_month_waits(reader: Reader, standard: str, level: str, code: str, month: date) -> list[dict]:
    """The bands of ``code`` in ``month`` from :func:`level_month_waits` ([] when none), its
    predecessors' summed before an Alliance's start, as :func:`wait_table` gives them."""
    query = WaitQuery(standard, level, code, "month", False, month, month)

    def own(q: WaitQuery) -> list[dict]:
        return [r for r in level_month_waits(reader, standard, level, month) if r["org_code"] == q.org]

    if level != "alliance" or not predecessor_months(code):
        return own(query)
    try:
        return _with_predecessors(reader, query, own)
    except (NoData, UnknownOrg):
        return []


def prepared_wait_rows(reader: Reader, query: WaitQuery) -> list[dict] | None:
    """The rows :func:`wait_table` gives for a monthly ``query`` of one organisation (or of the
    national level) from ``date_from`` to ``date_to``, read month by month from the rows prepared
    at load time (:func:`level_month_waits`); None when they were not prepared or the query is of
    another kind (by route, another basis, not monthly, no dates)."""
    if (
        query.period != "month"
        or query.by_route
        or query.date_from is None
        or query.date_to is None
        or (query.org is None) != (query.level == "national")
        or query.basis not in (None, default_basis(query.level))
        or not has_level_months(reader, "waits", (query.standard, query.level))
    ):
        return None
    months = months_between(query.date_from, query.date_to)
    query = replace(query, org=query.org.upper() if query.org else None)

    def own(q: WaitQuery) -> list[dict]:
        rows = (r for m in months for r in level_month_waits(reader, q.standard, q.level, m))
        return [r for r in rows if q.org is None or r["org_code"] == q.org]

    if query.level != "alliance" or query.org is None or not predecessor_months(query.org):
        return own(query)
    try:
        return _with_predecessors(reader, query, own)
    except (NoData, UnknownOrg):
        return []


def _own(reader: Reader, query: WaitQuery) -> list[dict]:
    try:
        return wait_distribution(reader.con, query)
    except (NoData, UnknownOrg):
        return []


def _with_predecessors(
    reader: Reader, query: WaitQuery, own_rows: Callable[[WaitQuery], list[dict]] | None = None
) -> list[dict]:
    """The bands of ``query`` with an Alliance's predecessors' summed before its start
    (``own_rows``: an organisation's own bands, :func:`wait_distribution` by default)."""
    before = predecessor_months(query.org) if query.level == "alliance" and query.org and not query.by_route else []
    if not before:
        return wait_distribution(reader.con, query)
    own_of = own_rows or (lambda q: _own(reader, q))
    start = min(s for _, s in before)
    rows = own_of(query)
    own = {r["period_start"] for r in rows}
    parts = [
        [r for r in own_of(replace(query, org=code)) if date.fromisoformat(r["period_start"]) < start]
        for code, _ in before
    ]
    months: dict[str, list[list[dict]]] = {}
    for part in parts:
        by_month: dict[str, list[dict]] = {}
        for r in part:
            by_month.setdefault(r["period_start"], []).append(r)
        for month, month_rows in by_month.items():
            months.setdefault(month, []).append(month_rows)
    name = rows[0]["org_name"] if rows else (query.org or "")
    filled = [
        r
        for month, groups in sorted(months.items())
        if month not in own and len(groups) == len(before)
        for r in _summed(groups, query.org or "", name)
    ]
    if not rows and not filled:
        return wait_distribution(reader.con, query)  # raises the reason
    return sorted([*filled, *rows], key=lambda r: (r["period_start"], r["from_day"]))


def _summed(groups: list[list[dict]], code: str, name: str) -> list[dict]:
    """One month's bands of the successor from each predecessor's bands that month."""
    rows = [r for g in groups for r in g]
    note = combined_note(sorted({r["org_name"] for r in rows}))
    bands: dict[str, dict] = {}
    for r in rows:
        b = bands.setdefault(r["band"], {**r, "patients": 0.0})
        b["patients"] += r["patients"]
    total = sum(b["patients"] for b in bands.values())
    long_waits = sum(b["patients"] for b in bands.values() if b["to_day"] is None and b["from_day"] > LONG_WAIT_DAYS)
    return [
        {
            **b,
            "org_code": code,
            "org_name": name,
            "share": b["patients"] / total if total else None,
            "over_104_days": long_waits if b["standard"] == "62d" else None,
            "combined_from": sorted({r["org_code"] for r in rows}),
            "combined_note": note,
        }
        for b in sorted(bands.values(), key=lambda b: b["from_day"])
    ]
