"""An Alliance formed from others reads continuously across its start.

East of England (E56000035) took over from East of England - North and - South on 1 April 2024
(``catalogue/alliance_successions.csv``). Before that date its monthly figures are the sum of
its predecessors' counts, with performance, the 95% Wilson interval, ``met`` and the comparison
with England worked out again from the summed counts (the published definition: patients within
the standard over all patients). Each such row is marked: ``combined_from`` names the
predecessors and ``combined_note`` says so in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from cancerwatch.analytics.intervals import wilson_intervals
from cancerwatch.catalogue.planning import predecessors
from cancerwatch.queries import compare_with_england

COUNTS = ("total", "within_standard", "breaches")
SAME_IN_EACH = ("period_label", "threshold", "ambition", "ambition_month", "england_performance", "months", "basis")


def predecessor_months(code: str) -> list[tuple[str, date]]:
    """``(predecessor code, date the successor took over)`` for an Alliance (empty for most)."""
    return predecessors(code.upper())


def combined_note(names: Sequence[str]) -> str:
    """ "East of England North and South combined" from the predecessors' names."""
    if len(names) == 2:
        first, second = names
        common = first.split(" - ")[0]
        if second.startswith(common + " - "):
            return f"{common} {first.split(' - ', 1)[1]} and {second.split(' - ', 1)[1]} combined"
    return " and ".join(names) + " combined"


def sum_rows(group: Sequence[dict], code: str, name: str, note: str) -> dict:
    """One month of the successor from its predecessors' rows of that month."""
    first = group[0]
    counts = {c: float(sum(float(r[c] or 0) for r in group)) for c in COUNTS}
    total, within = counts["total"], counts["within_standard"]
    performance = within / total if total > 0 else None
    (low,), (high,) = wilson_intervals([within], [total])
    low, high = (float(low), float(high)) if total > 0 else (None, None)
    threshold = first.get("threshold")
    return {
        "period_start": first["period_start"],
        "standard": first["standard"],
        "level": first["level"],
        "org_code": code,
        "org_name": name,
        **{k: first.get(k) for k in SAME_IN_EACH},
        **counts,
        "performance": performance,
        "ci_low": low,
        "ci_high": high,
        "met": None if performance is None or threshold is None else performance >= threshold,
        "threshold_changed": any(r.get("threshold_changed") for r in group),
        "threshold_note": first.get("threshold_note"),
        "compared_with_england": compare_with_england(low, high, first.get("england_performance")),
        "rank": None,
        "peers": None,
        "source": "; ".join(sorted({str(r["source"]) for r in group if r.get("source")})),
        "combined_from": sorted(r["org_code"] for r in group),
        "combined_note": note,
    }


def with_predecessors(rows: list[dict], every: Sequence[dict], code: str, name: str) -> list[dict]:
    """``rows`` (one Alliance's, oldest first) with the months before its start filled from the
    sum of its predecessors' rows in ``every`` (all Alliances' rows); unchanged for an Alliance
    that succeeded none. A month is filled only when every predecessor has a row for it."""
    before = predecessor_months(code)
    if not before:
        return rows
    codes = {p for p, _ in before}
    start = min(s for _, s in before)
    names: dict[str, str] = {}
    by_month: dict[str, list[dict]] = {}
    for r in every:
        if r["org_code"] in codes and date.fromisoformat(r["period_start"][:10]) < start:
            by_month.setdefault(r["period_start"], []).append(r)
            names[r["org_code"]] = r["org_name"]
    note = combined_note([names[c] for c in sorted(names)])
    own = {r["period_start"] for r in rows}
    filled = [
        sum_rows(group, code, name or code, note)
        for month, group in sorted(by_month.items())
        if month not in own and len(group) == len(codes)
    ]
    return sorted([*filled, *rows], key=lambda r: r["period_start"])
