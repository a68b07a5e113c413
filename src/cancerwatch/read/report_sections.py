"""Report sections that come from outside the metric rows: escalations in force
(``accountability.escalation``), early diagnosis and emergency presentations
(``accountability.quality_premium``, from record-level pathways) and data quality
(``warehouse.status`` and the ``UNMAPPED`` rows of the year).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from cancerwatch.accountability.escalation import rules
from cancerwatch.accountability.quality_premium import LEVELS as RECORD_LEVELS
from cancerwatch.accountability.quality_premium import early_diagnosis
from cancerwatch.catalogue.organisations import UNMAPPED_CODE
from cancerwatch.catalogue.standards import get_standard, headline_standards
from cancerwatch.errors import CancerwatchError
from cancerwatch.periods import fy_label
from cancerwatch.read.context import Reader
from cancerwatch.read.data import quarantine
from cancerwatch.read.escalation import escalation_table
from cancerwatch.warehouse.organisations import Organisation
from cancerwatch.warehouse.status import source_rows

if TYPE_CHECKING:
    from cancerwatch.read.report import StandardReport

RECORD_DATASET = "record"
NOT_SHOWN = {
    True: "Early diagnosis and emergency presentations are computed from record-level pathway data, "
    "which this public site does not publish.",
    False: "Early diagnosis and emergency presentations are computed from record-level pathway data, "
    "and are shown only to signed-in users.",
}


def escalation_section(reader: Reader, org: Organisation, standard_ids: list[str]) -> list[dict]:
    """Every escalation rule for every headline standard, on the latest loaded data.

    For an organisation: whether each rule fires for it. For England: the Alliances it fires for
    and how many providers."""
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
                    found = escalation_table(
                        reader,
                        sid,
                        level,
                        rule.id,
                        basis=None if org.level == "national" else org.basis,
                        include_all=True,
                    ).items
                except CancerwatchError as exc:
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
    """A metric-shaped row (so that disclosure control applies to it as to any figure)."""
    if total is None:
        return {"org_code": code, "total": None, "within_standard": within, "breaches": None, "performance": None}
    return {
        "org_code": code,
        "total": total,
        "within_standard": within,
        "breaches": total - within,
        "performance": within / total if total else None,
    }


def early_diagnosis_section(reader: Reader, org: Organisation, start: date) -> dict:
    """Early diagnosis (stage 1–2 among staged cases) and emergency presentations, from the
    record-level pathways; England sums the Alliance rows. Shown only to a viewer who may see
    figures computed from record-level data, with the disclosure policy applied."""
    if not reader.disclosure.may_see(RECORD_DATASET):
        return {"available": False, "note": NOT_SHOWN[reader.disclosure.public]}
    level = "alliance" if org.level == "national" else org.level
    if level not in RECORD_LEVELS:
        return {
            "available": False,
            "note": f"Record-level measures are counted by the patient's area: not available for a {org.level_label}.",
        }
    rows = reader.memo(("early_diagnosis", level), lambda: early_diagnosis(reader.con, level=level))
    if not rows:
        return {
            "available": False,
            "note": "No record-level pathway data are loaded, so early diagnosis and emergency presentations "
            "cannot be reported.",
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
        ep_total = None if None in recorded else round(sum(x for x in recorded if x is not None))
        code = "ENG" if org.level == "national" else org.code
        staging, early, emergency = reader.disclosure.show(
            [
                _ratio(code, n["staged"], n["diagnosed"]),
                _ratio(code, n["early"], n["staged"]),
                _ratio(code, n["emergency_presentations"], ep_total),
            ],
            RECORD_DATASET,
        )
        out.append({"year": label, "available": True, "staging": staging, "early": early, "emergency": emergency})
    note = None if any(y["available"] for y in out) else "No record-level pathways for this organisation."
    return {"available": note is None, "years": out, "note": note}


def data_quality(reader: Reader, org: Organisation, start: date, end: date, reports: list[StandardReport]) -> dict:
    """Coverage (months loaded), loaded sources, quarantined rows and unmapped codes for the year."""
    fy_from, fy_to = start.isoformat()[:7], end.isoformat()[:7]
    sources = [
        s
        for s in source_rows(reader.con)
        if s["first_month"] and s["last_month"] and s["first_month"] <= fy_to and s["last_month"] >= fy_from
    ]
    files = {s["file_name"] for s in sources}
    rejected = [q for q in quarantine(reader) if q["file_name"] in files]
    coverage = [{"standard": rep.standard, "months": {r["period_label"] for r in rep.months}} for rep in reports]
    unmapped = []
    for rep in reports:
        if rep.id not in headline_standards() or not rep.peers_year:
            continue
        total = sum(r["total"] for r in rep.peers_year)
        gap = sum(r["total"] for r in rep.peers_year if r["org_code"] == UNMAPPED_CODE)
        row = {"org_code": UNMAPPED_CODE, "total": gap, "within_standard": gap, "breaches": 0}
        unmapped.append({"standard": rep.standard, "patients": row, "share": gap / total if total else None})
    return {
        "sources": sources,
        "quarantine": rejected,
        "quarantined": sum(q["rows"] for q in rejected),
        "coverage": coverage,
        "unmapped": unmapped,
        "level": org.peer_level,
    }
