"""The report's one-page summary for a board: sentences written from the report's own figures.

Each sentence restates figures shown elsewhere in the report (the year, the change on the
previous year, the funnel position and rank, the planning ambition, the long 62-day waits, the
escalation rules in force), so each can be checked against the tables it summarises. A change
is "up" or "down" when it is at least 0.1 percentage points once rounded as the tables show it;
smaller changes are "unchanged". Counts follow NHS England's publications, half patients
included (a 62-day pathway shared by two providers counts half to each).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from cancerwatch.catalogue.organisations import NATIONAL_CODE

if TYPE_CHECKING:
    from cancerwatch.read.report import AnnualReport, StandardReport

MINUS = "\u2212"
GROUPS = {
    "year": "The year",
    "change": "Compared with the previous year",
    "peers": "Against England and peers",
    "waits": "Long waits",
    "escalation": "Escalations",
}
"""Headings of the summary, in order: every sentence belongs to one."""


@dataclass(frozen=True)
class Sentence:
    """One sentence of the summary: its heading (a key of :data:`GROUPS`), a topic that names the
    figures it restates (``standards``, ``standard:fds``, ``improved``, ``worse``, ...) and its text."""

    group: str
    topic: str
    text: str


def percent(value: float | None, dp: int = 1) -> str:
    """A proportion as a percentage (``0.734`` → ``73.4%``), or a dash.

    >>> percent(0.73375), percent(0.85, 0), percent(None)
    ('73.4%', '85%', '—')
    """
    return "—" if value is None else f"{value * 100:.{dp}f}%".replace("-", MINUS)


def patients(value: float | None) -> str:
    """A count with thousands separators; half patients keep their ``.5``.

    >>> patients(172531.0), patients(13515.5), patients(None)
    ('172,531', '13,515.5', '—')
    """
    if value is None:
        return "—"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def change_points(change: float) -> float:
    """A change in percentage points as the tables show it (one decimal place)."""
    return round(change * 100, 1)


def movement(change: float) -> str:
    """``up 3.1 points``, ``down 0.3 points`` or ``unchanged``.

    >>> movement(0.031), movement(-0.0031), movement(0.0004)
    ('up 3.1 points', 'down 0.3 points', 'unchanged')
    """
    shown = change_points(change)
    if shown == 0:
        return "unchanged"
    return f"{'up' if shown > 0 else 'down'} {abs(shown):.1f} points"


def ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``11th``, ``22nd``.

    >>> [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd']
    """
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def listing(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``.

    >>> listing(["a"]), listing(["a", "b"]), listing(["a", "b", "c"])
    ('a', 'a and b', 'a, b and c')
    """
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def board_summary(report: AnnualReport) -> list[Sentence]:
    """The summary's sentences, in the order of :data:`GROUPS`."""
    national = report.org.code == NATIONAL_CODE or report.org.level == "national"
    who = "England" if national else report.org.name
    label = report.year["label"]
    out = [*_year(report, who, label), *_change(report), *_peers(report, who, national)]
    out += _waits(report, label)
    out += _escalations(report, who, national)
    return out


def _year(report: AnnualReport, who: str, label: str) -> list[Sentence]:
    judged = [r for r in report.headline if r.status in ("met", "not_met")]
    met = [r.standard.short_name for r in judged if r.status == "met"]
    part = "" if report.coverage["months"] == 12 else f" (figures for {report.coverage['text']})"
    if not judged:
        text = f"No cancer waiting-time standard had a threshold in force for the whole of {label}{part}."
    elif not met:
        text = f"In {label}{part}, {who} met none of the {len(judged)} cancer waiting-time standards."
    else:
        text = (
            f"In {label}{part}, {who} met {len(met)} of the {len(judged)} cancer waiting-time standards "
            f"({listing(met)})."
        )
    out = [Sentence("year", "standards", text)]
    for rep in report.headline:
        year = rep.year
        if year.get("performance") is None:
            continue
        verdict = {"met": "met", "not_met": "not met"}.get(rep.status)
        against = f" against a threshold of {percent(rep.threshold, 0)}" if rep.threshold is not None else ""
        text = (
            f"{rep.standard.name}: {percent(year['performance'])} of {patients(year['total'])} patients "
            f"within {rep.standard.days} days{against}"
            + (f", {verdict} ({rep.months_met} of {rep.months_assessed} months met)" if verdict else "")
            + "."
        )
        out.append(Sentence("year", f"standard:{rep.id}", text))
    trend = _trend(report.headline)
    if trend:
        out.append(Sentence("year", "trend", trend))
    return out


def _trend(headline: list[StandardReport]) -> str | None:
    """The Making Data Count variation of each standard's latest months, grouped."""
    groups: dict[str, list[str]] = {}
    for rep in headline:
        if rep.spc.available:
            groups.setdefault(rep.spc.variation_text, []).append(rep.standard.short_name)
    if not groups:
        return None
    parts = [f"{listing(names)}: {text[0].lower()}{text[1:]}" for text, names in groups.items()]
    return "Trend in the latest months (statistical process control): " + "; ".join(parts) + "."


def _changes(reps: list[StandardReport]) -> tuple[list[StandardReport], list[StandardReport], list[StandardReport]]:
    """The reports compared with the previous year: improved, worse and unchanged (as rounded)."""
    compared = [r for r in reps if r.previous.get("available") and r.previous.get("change") is not None]
    up = [r for r in compared if change_points(r.previous["change"]) > 0]
    down = [r for r in compared if change_points(r.previous["change"]) < 0]
    same = [r for r in compared if change_points(r.previous["change"]) == 0]
    return up, down, same


def _moved(rep: StandardReport) -> str:
    prev = rep.previous
    months = f", {prev['current_period_text']} against {prev['period_text']}" if prev.get("same_months") else ""
    return (
        f"{rep.standard.short_name} ({percent(prev['performance'])} to {percent(prev['current_performance'])}, "
        f"{movement(prev['change'])}{months})"
    )


def _change(report: AnnualReport) -> list[Sentence]:
    headline = report.headline
    if not headline:
        return []
    label = headline[0].previous["label"]
    up, down, same = _changes(headline)
    if not up and not down and not same:
        return [Sentence("change", "improved", f"There are no figures for {label} to compare with.")]
    out = []
    if up:
        out.append(
            Sentence(
                "change",
                "improved",
                f"Compared with {label}, performance improved on {listing([_moved(r) for r in up])}.",
            )
        )
    else:
        out.append(Sentence("change", "improved", f"No standard improved on {label}."))
    if down:
        out.append(Sentence("change", "worse", f"Performance got worse on {listing([_moved(r) for r in down])}."))
    else:
        out.append(Sentence("change", "worse", f"No standard got worse than in {label}."))
    if same:
        out.append(Sentence("change", "unchanged", f"Unchanged on {listing([_moved(r) for r in same])}."))
    l_up, l_down, _ = _changes(report.legacy)
    if l_up or l_down:
        text = f"Of the {len(report.legacy)} other published measures, {len(l_up)} improved and {len(l_down)} got worse"
        if l_down:
            worst = min(l_down, key=lambda r: r.previous["change"])
            text += f"; the largest fall was on {_moved(worst)}"
        out.append(Sentence("change", "other_measures", text + "."))
    return out


def _peers(report: AnnualReport, who: str, national: bool) -> list[Sentence]:
    out = []
    if not national:
        ranked = [r for r in report.headline if r.year.get("rank")]
        if ranked:
            peers = ranked[0].year["peers"]
            ranks = [f"{ordinal(r.year['rank'])} on {r.standard.short_name}" for r in ranked]
            out.append(
                Sentence(
                    "peers",
                    "rank",
                    f"Among the {peers} {report.peer_label}, {who} ranked {listing(ranks)} (1st is the best).",
                )
            )
        placed: dict[str, list[str]] = {}
        for rep in report.headline:
            if rep.position.get("short"):
                england = percent(rep.year.get("england_performance"))
                placed.setdefault(rep.position["short"], []).append(f"{rep.standard.short_name} (England {england})")
        if placed:
            parts = [f"{phrase} on {listing(names)}" for phrase, names in placed.items()]
            out.append(Sentence("peers", "england", f"Allowing for its number of patients, it was {'; '.join(parts)}."))
    else:
        for rep in report.headline:
            low = [r["org_name"] for r in rep.position.get("low", [])]
            high = [r["org_name"] for r in rep.position.get("high", [])]
            if rep.funnel is None or not rep.funnel.available:
                continue
            n = len(rep.funnel.rows)
            parts = []
            if low:
                parts.append(f"{len(low)} significantly lower than England ({listing(low)})")
            if high:
                parts.append(f"{len(high)} significantly higher ({listing(high)})")
            said = "; ".join(parts) if parts else "none significantly different from England"
            out.append(
                Sentence("peers", f"outliers:{rep.id}", f"{rep.standard.short_name}: of {n} Cancer Alliances, {said}.")
            )
    ambitions = [
        (r.standard.short_name, r.ambition)
        for r in report.headline
        if r.ambition and r.ambition.get("performance") is not None
    ]
    if ambitions:
        month = ambitions[0][1]["month"]
        parts = [
            f"{'met' if a['met'] else 'not met'} on {name} "
            f"({percent(a['performance'])} against {percent(a['value'], 0)})"
            for name, a in ambitions
        ]
        out.append(Sentence("peers", "ambition", f"The planning ambitions for {_month(month)} were {listing(parts)}."))
    return out


def _month(label: str) -> str:
    return date.fromisoformat(f"{label[:7]}-01").strftime("%B %Y")


def _waits(report: AnnualReport, label: str) -> list[Sentence]:
    waits = report.waits
    if not waits.get("available"):
        return []
    share = waits["over_104_share"]
    text = (
        f"In {label}, {patients(waits['over_104'])} patients on the 62-day pathway "
        f"({percent(share)} of {patients(waits['total'])}) were treated after more than {waits['long_wait_days']} days"
    )
    compare = waits.get("compare")
    if compare:
        before, now = compare["over_104"], compare["current_over_104"]
        moved = "fewer" if now < before else "more" if now > before else "as many"
        diff = f"{patients(abs(now - before))} {moved}" if moved != "as many" else "as many"
        if compare["whole_year"]:
            text += f": {diff} than in {compare['label']} ({patients(before)})"
        else:
            text += (
                f"; in {compare['current_period_text']}, {patients(now)}: {diff} than in "
                f"{compare['period_text']} ({patients(before)}; the bands are published from October 2023)"
            )
    return [Sentence("waits", "over_104", text + ".")]


def _escalations(report: AnnualReport, who: str, national: bool) -> list[Sentence]:
    items = report.escalations
    if not items:
        return []
    latest = max((e["latest"] for e in items if e.get("latest")), default=None)
    when = f" on figures to {_month(latest)}" if latest else ""
    out = []
    if national:
        for sid in dict.fromkeys(e["standard"] for e in items):
            mine = [e for e in items if e["standard"] == sid]
            names = sorted({n for e in mine for n in (e.get("alliance") or {}).get("fired", [])})
            of = max(((e.get("alliance") or {}).get("of", 0) for e in mine), default=0)
            name = mine[0]["standard_name"]
            if names:
                text = f"{name}: {len(names)} of {of} Cancer Alliances are escalated{when} ({listing(names)})."
            else:
                text = f"{name}: no Cancer Alliance is escalated{when}."
            out.append(Sentence("escalation", f"escalation:{sid}", text))
        return out
    in_force = [e for e in items if e["status"] == "in force"]
    if not in_force:
        return [Sentence("escalation", "escalation", f"No escalation rule is in force for {who}{when}.")]
    standards = list(dict.fromkeys(e["standard"] for e in in_force))
    names = [next(e["standard_name"] for e in in_force if e["standard"] == s) for s in standards]
    out.append(Sentence("escalation", "escalation", f"{who} is escalated{when} on {listing(names)}."))
    for sid, name in zip(standards, names, strict=True):
        reasons = [e["detail"] for e in in_force if e["standard"] == sid]
        out.append(Sentence("escalation", f"escalation:{sid}", f"{name}: {'; '.join(reasons)}."))
    return out
