"""Report sections that come from outside ``queries.metrics``: small-number suppression,
escalations in force (``accountability.escalation``), early diagnosis and emergency presentations
(``accountability.quality_premium``, record-level data only) and data quality
(``warehouse.status`` plus the ``UNMAPPED`` rows of the metric queries).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

import duckdb

from cancerwatch.catalogue.organisations import UNMAPPED_CODE
from cancerwatch.catalogue.standards import get_standard
from cancerwatch.config import load_settings
from cancerwatch.errors import CancerwatchError, UsageError
from cancerwatch.periods import fy_label

if TYPE_CHECKING:
    from cancerwatch.reports.build import Organisation, StandardReport

HEADLINE = ("fds", "31d", "62d")


def suppressor(public: bool) -> tuple[Callable[[list[dict]], list[dict]], str | None]:
    """(function applied to metric rows before display, policy name or ``None``).

    Public reports use ``$CANCERWATCH_SUPPRESSION`` when it names a policy other than ``none``,
    else NHS Digital's 2018 rule (``nhsd_2018``)."""
    if not public:
        return (lambda rows: [{**r, "suppressed": list(r.get("suppressed") or [])} for r in rows]), None
    try:
        from cancerwatch.read.disclosure import apply_suppression
    except ImportError:
        raise UsageError("--public needs small-number suppression (cancerwatch.catalogue.suppression)") from None
    settings = load_settings()
    policy = settings.suppression_policy if settings.suppression_policy != "none" else "nhsd_2018"
    threshold = settings.suppression_threshold
    return (lambda rows: apply_suppression(rows, policy, threshold)), policy


def escalation_section(con: duckdb.DuckDBPyConnection, org: Organisation, standard_ids: list[str]) -> list[dict]:
    """Every escalation rule for every headline standard, on the latest loaded data.

    For an organisation: whether each rule fires for it. For England: the Alliances it fires for
    and how many providers."""
    from cancerwatch.accountability.escalation import escalate, rules

    levels = ("alliance", "provider") if org.level == "national" else (org.level,)
    out = []
    for sid in standard_ids:
        for rule in rules().values():
            item: dict = {
                "standard": sid,
                "standard_name": get_standard(sid).short_name,
                "rule": rule.description,
                "rule_id": rule.id,
            }
            for level in levels:
                try:
                    found = escalate(
                        con,
                        standard=sid,
                        level=level,
                        rule_id=rule.id,
                        include_all=True,
                        basis=None if org.level == "national" else org.basis,
                    )
                except (ImportError, CancerwatchError) as exc:
                    item.update(status="not evaluated", detail=str(exc) or type(exc).__name__)
                    break
                fired = [e for e in found if e.fired]
                if rule.period == "month":  # the latest month any organisation has figures for
                    item["latest"] = max((e.evidence[-1]["period_label"] for e in found if e.evidence), default=None)
                if org.level == "national":
                    item[level] = {"fired": [e.org_name for e in fired], "count": len(fired), "of": len(found)}
                    item["status"] = "in force" if item.get("alliance", {}).get("count") else "not in force"
                else:
                    mine = next((e for e in found if e.org_code == org.code), None)
                    status = "no data" if mine is None else ("in force" if mine.fired else "not in force")
                    if mine is not None and not mine.fired and mine.periods_considered < max(rule.n, rule.min_points):
                        status = "too few periods"
                    item.update(
                        status=status,
                        detail=mine.summary if mine else "no figures for this organisation",
                        trend=mine.trend if mine else None,
                    )
            out.append(item)
    return out


def _ratio(code: str, within: float, total: float | None) -> dict:
    """A metric-shaped row (so that suppression applies to it as to any figure)."""
    if total is None:
        return {"org_code": code, "total": None, "within_standard": within, "breaches": None, "performance": None}
    perf = within / total if total else None
    return {
        "org_code": code,
        "total": total,
        "within_standard": within,
        "breaches": total - within,
        "performance": perf,
    }


def early_diagnosis_section(
    con: duckdb.DuckDBPyConnection, org: Organisation, start: date, show: Callable[[list[dict]], list[dict]]
) -> dict:
    """Early diagnosis (stage 1–2 among staged cases) and emergency presentations, from the
    record-level pathways (``quality_premium.early_diagnosis``); England sums the Alliance rows."""
    from cancerwatch.accountability.quality_premium import LEVELS, early_diagnosis

    level = "alliance" if org.level == "national" else org.level
    if level not in LEVELS:
        return {
            "available": False,
            "note": f"Record-level measures are commissioner-based: not available for a {org.level_label}.",
        }
    rows = early_diagnosis(con, level=level)
    if not rows:
        return {
            "available": False,
            "note": "No record-level pathway data are loaded (the pathways table is "
            "empty), so early diagnosis and emergency presentations cannot be reported.",
        }
    out = []
    for label in (fy_label(start.year - 1), fy_label(start.year)):
        mine = [r for r in rows if r["year"] == label and (org.level == "national" or r["org_code"] == org.code)]
        if not mine:
            out.append({"year": label, "available": False})
            continue
        n = {k: sum(r[k] for r in mine) for k in ("diagnosed", "staged", "early", "emergency_presentations")}
        # cases with the emergency flag recorded = emergencies / rate (unknown when a rate is 0)
        recorded = [
            0.0
            if r["emergency_presentation_rate"] is None
            else (
                r["emergency_presentations"] / r["emergency_presentation_rate"]
                if r["emergency_presentation_rate"]
                else None
            )
            for r in mine
        ]
        ep_total = None if None in recorded else round(sum(recorded))  # type: ignore[arg-type]
        staging, early, emergency = show(
            [
                _ratio(org.code, n["staged"], n["diagnosed"]),
                _ratio(org.code, n["early"], n["staged"]),
                _ratio(org.code, n["emergency_presentations"], ep_total),
            ]
        )
        out.append(
            {
                "year": label,
                "available": True,
                "staging": staging,
                "early": early,
                "emergency": emergency,
            }
        )
    note = None if any(y["available"] for y in out) else "No record-level pathways for this organisation."
    return {"available": note is None, "years": out, "note": note}


def data_quality(
    con: duckdb.DuckDBPyConnection,
    org: Organisation,
    start: date,
    end: date,
    reports: list[StandardReport],
    show: Callable[[list[dict]], list[dict]],
) -> dict:
    """Coverage (months loaded), loaded sources, quarantined rows and unmapped codes for the year."""
    from cancerwatch.warehouse.status import quarantine_counts, source_rows

    fy_from, fy_to = start.isoformat()[:7], end.isoformat()[:7]
    sources = [
        s
        for s in source_rows(con)
        if s["first_month"] and s["last_month"] and s["first_month"] <= fy_to and s["last_month"] >= fy_from
    ]
    files = {s["file_name"] for s in sources}
    quarantine = [q for q in quarantine_counts(con) if q["file_name"] in files]
    coverage = [{"standard": rep.standard, "months": {r["period_label"] for r in rep.months}} for rep in reports]
    unmapped = []
    for rep in reports:
        if rep.id not in HEADLINE or not rep.peers_year:
            continue
        total = sum(r["total"] for r in rep.peers_year)
        gap = sum(r["total"] for r in rep.peers_year if r["org_code"] == UNMAPPED_CODE)
        shown = show([{"org_code": UNMAPPED_CODE, "total": gap, "within_standard": gap, "breaches": 0}])[0]
        share = gap / total if total and shown["total"] is not None else None
        unmapped.append({"standard": rep.standard, "patients": shown, "share": share})
    quarantined = sum(q["rows"] for q in quarantine)
    return {
        "sources": sources,
        "quarantine": quarantine,
        "quarantined": quarantined,
        "coverage": coverage,
        "unmapped": unmapped,
        "level": org.peer_level,
    }
