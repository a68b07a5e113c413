"""Report sections that come from outside the metric rows: escalations in force
(``accountability.escalation``), the 62-day wait distribution (the published wait bands,
:mod:`.waits`), early diagnosis and emergency presentations (``accountability.quality_premium``,
from record-level pathways) and data quality (``warehouse.status`` and the ``UNMAPPED`` rows of
the year).
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from cancerwatch.accountability.escalation import rules
from cancerwatch.accountability.quality_premium import LEVELS as RECORD_LEVELS
from cancerwatch.accountability.quality_premium import early_diagnosis
from cancerwatch.catalogue.organisations import UNMAPPED_CODE
from cancerwatch.catalogue.standards import get_standard, headline_standards
from cancerwatch.errors import CancerwatchError, NoData, UnknownOrg
from cancerwatch.periods import add_months, fy_label
from cancerwatch.read.context import Reader
from cancerwatch.read.data import quarantine
from cancerwatch.read.escalation import escalation_table
from cancerwatch.read.waits import prepared_wait_rows, wait_table
from cancerwatch.variation import ASSURANCE_TEXT, VARIATION_TEXT
from cancerwatch.wait_queries import LONG_WAIT_DAYS, WaitQuery
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


ENGLAND_ESCALATION: tuple[tuple[str, str | None], ...] = (("alliance", None), ("provider", None))
"""The levels (and bases) England's report lists escalated organisations at."""


def escalation_section(reader: Reader, org: Organisation, standard_ids: list[str]) -> list[dict]:
    """Every escalation rule for every headline standard, on the latest loaded data.

    For an organisation: whether each rule fires for it. For England: the Alliances it fires for
    and how many providers."""
    out = []
    for sid in standard_ids:
        for rule in rules().values():
            item: dict = {
                "standard": sid,
                "standard_name": get_standard(sid).short_name,
                "rule": rule.description,
                "rule_id": rule.id,
            }
            views = ENGLAND_ESCALATION if org.level == "national" else ((org.level, org.basis),)
            for level, basis in views:
                try:
                    found = escalation_table(reader, sid, level, rule.id, basis=basis, include_all=True).items
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
                        detail=board_words(mine.summary) if mine else "no figures for this organisation",
                        trend=mine.trend if mine else None,
                    )
            out.append(item)
    return out


SPC_SUMMARY = re.compile(r"^SPC assurance (\w+), variation (\w+), (\d+) months$")


def board_words(summary: str) -> str:
    """An escalation rule's one-line evidence in the words of the Making Data Count icons.

    >>> board_words("SPC assurance consistent_fail, variation common_cause, 28 months")
    'consistently fails the threshold over the last 28 months (SPC; common-cause variation: no significant change)'
    >>> board_words("below threshold in 4 of the last 4 quarters")
    'below threshold in 4 of the last 4 quarters'
    """
    found = SPC_SUMMARY.match(summary)
    if found is None:
        return summary
    assurance, variation, months = found.groups()
    said = ASSURANCE_TEXT.get(assurance, "no assurance").lower()
    varied = VARIATION_TEXT.get(variation, variation.replace("_", " ")).lower()
    return f"{said} over the last {months} months (SPC; {varied})"


def waits_section(reader: Reader, org: Organisation, start: date, end: date) -> dict:
    """The 62-day wait distribution of the year (NHS England's published day bands, summed over
    the months), the number treated after day 104, and the previous year over the months both
    years have (the bands are published from October 2023). Read from the month-by-month rows
    prepared at load time when there are any, else queried."""
    query = WaitQuery(
        "62d",
        level=org.level,
        org=None if org.level == "national" else org.code,
        period="month",
        date_from=add_months(start, -12),
        date_to=end,
        basis=None if org.level == "national" else org.basis,
    )
    rows = prepared_wait_rows(reader, query)
    if rows is None:
        try:
            rows = wait_table(reader, query).rows
        except (NoData, UnknownOrg):
            rows = []
    this_fy = [r for r in rows if r["period_start"] >= start.isoformat()]
    if not this_fy:
        return {
            "available": False,
            "note": "NHS England publishes no 62-day wait bands for this organisation in this year.",
        }
    last_fy = [r for r in rows if r["period_start"] < start.isoformat()]
    earlier = {r["period_start"] for r in last_fy}
    pairs = sorted(
        {
            r["period_start"]
            for r in this_fy
            if add_months(date.fromisoformat(r["period_start"]), -12).isoformat() in earlier
        }
    )
    matched = {add_months(date.fromisoformat(m), -12).isoformat() for m in pairs}
    out: dict = {
        "available": True,
        "standard": get_standard("62d"),
        "long_wait_days": LONG_WAIT_DAYS,
        "bands": _bands(this_fy),
        "months": len({r["period_start"] for r in this_fy}),
        "over_104": _over(this_fy),
        "total": sum(r["patients"] for r in this_fy),
        "compare": None,
    }
    out["over_104_share"] = out["over_104"] / out["total"] if out["total"] else None
    if pairs:
        now = [r for r in this_fy if r["period_start"] in pairs]
        before = [r for r in last_fy if r["period_start"] in matched]
        out["compare"] = {
            "label": fy_label(start.year - 1),
            "months": len(pairs),
            "whole_year": len(pairs) == 12,
            "period_text": _span(sorted(matched)),
            "current_period_text": _span(pairs),
            "over_104": _over(before),
            "current_over_104": _over(now),
            "total": sum(r["patients"] for r in before),
            "current_total": sum(r["patients"] for r in now),
            "bands": _bands(before),
            "current_bands": _bands(now),
        }
    return out


def _bands(rows: list[dict]) -> list[dict]:
    """The bands of ``rows`` summed over their months, shortest wait first, with their shares."""
    bands: dict[str, dict] = {}
    for r in rows:
        b = bands.setdefault(
            r["band"], {"band": r["band"], "from_day": r["from_day"], "to_day": r["to_day"], "patients": 0.0}
        )
        b["patients"] += r["patients"]
    total = sum(b["patients"] for b in bands.values())
    ordered = sorted(bands.values(), key=lambda b: b["from_day"])
    return [{**b, "share": b["patients"] / total if total else None} for b in ordered]


def _over(rows: list[dict]) -> float:
    """Patients treated after day 104, summed over the months of ``rows`` (one figure a month)."""
    return sum({r["period_start"]: r["over_104_days"] or 0.0 for r in rows}.values())


def _span(months: list[str]) -> str:
    first, last = (date.fromisoformat(m).strftime("%B %Y") for m in (months[0], months[-1]))
    return first if first == last else f"{first} to {last}"


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
            "note": "No record-level data was provided, so early diagnosis and emergency presentations "
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


SOURCE_KINDS = {
    "cwt_workbook": "NHS England CWT monthly provider workbooks",
    "commissioner_workbook": "NHS England CWT monthly commissioner workbooks",
    "cwt_provider": "NHS England CWT provider data extracts",
    "cwt_sub_icb": "NHS England CWT commissioner (sub-ICB) data extracts",
    "national_series": "NHS England CWT national time series",
    "dm01": "NHS England DM01 monthly diagnostics",
    "nhs_workforce_statistics": "NHS Workforce Statistics",
    "ons_sub_icb_lookup": "ONS sub-ICB to ICB to region lookup",
    "ons_cancer_alliances": "ONS Cancer Alliance names and codes",
    "ods_trusts": "NHS ODS trust file",
    "tumour_note": "NHS England tumour group guidance",
    "record": "Record-level pathway files",
}
"""How the report names each kind of source file."""


def source_groups(sources: list[dict]) -> list[dict]:
    """The loaded files by kind: how many, the months they cover and their row counts."""
    groups: dict[str, dict] = {}
    for src in sources:
        kind = src["kind"]
        g = groups.setdefault(
            kind,
            {
                "kind": kind,
                "label": SOURCE_KINDS.get(kind, kind.replace("_", " ").capitalize()),
                "files": 0,
                "first_month": src["first_month"],
                "last_month": src["last_month"],
                "rows_read": 0,
                "rows_loaded": 0,
                "rows_quarantined": 0,
            },
        )
        g["files"] += 1
        g["first_month"] = min(g["first_month"], src["first_month"])
        g["last_month"] = max(g["last_month"], src["last_month"])
        for f in ("rows_read", "rows_loaded", "rows_quarantined"):
            g[f] += src[f] or 0
    return sorted(groups.values(), key=lambda g: (-g["files"], g["label"]))


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
        "source_groups": source_groups(sources),
        "quarantine": rejected,
        "quarantined": sum(q["rows"] for q in rejected),
        "coverage": coverage,
        "unmapped": unmapped,
        "level": org.peer_level,
    }
