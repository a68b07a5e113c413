"""Early diagnosis, emergency presentation and Quality Premium eligibility from record-level data.

**What the early-diagnosis rate is.** It approximates the published measure "Case-mix adjusted
percentage of cancers diagnosed at stages 1 and 2" (National Disease Registration Service, NHS
England, official statistics), the share of cancers diagnosed at stage 1 or 2. It is **not case-mix
adjusted** as that official statistic is (NDRS adjusts for age, sex, cancer site and deprivation,
so that areas with different populations can be compared fairly): it is the crude share, closest
to NDRS's unadjusted percentage, and counts every cancer in the record-level pathways rather than
NDRS's stageable cancer groups from registrations; years are NHS financial years, not calendar
years. Compare it between areas with care.

Definitions (docs/methods.md, "Quality Premium"): a diagnosed cancer is a pathway with FDS outcome
``cancer_confirmed`` or a first treatment; its year is the NHS financial year of diagnosis (FDS
end date, else treatment date). Early diagnosis = stage 1 or 2 among *staged* cases (stage 1–4);
stage completeness = staged ÷ diagnosed, reported separately; emergency presentation rate =
diagnosed after an emergency presentation ÷ diagnosed with the flag recorded. Eligibility rule:
``catalogue/quality_premium.toml`` (cancerwatch's defaults, not a published scheme).
"""

from __future__ import annotations

import tomllib
from importlib import resources

import duckdb
import ibis
import ibis.expr.types as ir

from cancerwatch.catalogue.organisations import UNMAPPED_CODE
from cancerwatch.errors import UsageError
from cancerwatch.metrics.performance import attach_level
from cancerwatch.periods import fy_label
from cancerwatch.warehouse.connect import ibis_backend
from cancerwatch.warehouse.organisations import org_names

LEVELS = ("sub_icb", "icb", "alliance")

MEASURE = (
    "crude share of staged cancers diagnosed at stage 1 or 2: approximates NDRS's 'Case-mix adjusted percentage "
    "of cancers diagnosed at stages 1 and 2' but is not case-mix adjusted"
)
"""One line saying what ``early_diagnosis_rate`` is, for every front end that shows it."""

STAGED = ("1", "2", "3", "4")
EARLY = ("1", "2")


def early_diagnosis_counts(pathways: ir.Table, rollup: ir.Table, *, level: str) -> ir.Table:
    """Diagnosed, staged, early and emergency counts per organisation at ``level`` and financial year
    (an Ibis expression): each cancer counts towards the organisation its commissioner rolled up to
    on the date of diagnosis (``metrics.performance.attach_level``, as every figure)."""
    p = pathways
    confirmed = p.fds_outcome == "cancer_confirmed"
    first_treated = (p.treatment_kind == "first") & p.treatment_date.notnull()
    dx = p.filter(confirmed | first_treated)
    dx = dx.select(
        "commissioner_code",
        "stage",
        "emergency_presentation",
        dx_date=ibis.coalesce(
            ibis.ifelse(dx.fds_outcome == "cancer_confirmed", dx.fds_end_date, ibis.null("date")), dx.treatment_date
        ),
    )
    dx = dx.filter(dx.dx_date.notnull())
    placed = attach_level(dx, rollup, level=level, basis="commissioner", code="commissioner_code", on="dx_date")
    month, year = placed.dx_date.month(), placed.dx_date.year()
    placed = placed.mutate(fy=ibis.ifelse(month >= 4, year, year - 1))
    counted = placed.group_by(["unit_code", "fy"]).aggregate(
        diagnosed=placed.count(),
        staged=placed.stage.isin(STAGED).sum(),
        early=placed.stage.isin(EARLY).sum(),
        ep_recorded=placed.emergency_presentation.notnull().sum(),
        emergency=(placed.emergency_presentation == True).sum(),  # noqa: E712 - SQL three-valued logic
    )
    return counted.order_by(["unit_code", "fy"])


def rule() -> dict:
    """The packaged eligibility rule."""
    text = resources.files("cancerwatch.catalogue").joinpath("quality_premium.toml").read_text("utf-8")
    return tomllib.loads(text)


def early_diagnosis(con: duckdb.DuckDBPyConnection, *, level: str = "sub_icb") -> list[dict]:
    """Per organisation and financial year: early-diagnosis share, completeness, emergency rate."""
    if level not in LEVELS:
        raise UsageError(f"unknown level {level!r}: use one of {', '.join(LEVELS)}")
    backend = ibis_backend(con)
    expr = early_diagnosis_counts(backend.table("pathways"), backend.table("org_rollup"), level=level)
    rows = [
        (
            r["unit_code"],
            r["fy"],
            r["diagnosed"],
            r["staged"] or 0,
            r["early"] or 0,
            r["ep_recorded"] or 0,
            r["emergency"] or 0,
        )
        for r in expr.to_pyarrow().to_pylist()
    ]
    names = org_names(con)
    out = []
    for unit, fy, diagnosed, staged, early, ep_recorded, emergency in rows:
        out.append(
            {
                "level": level,
                "org_code": unit,
                "org_name": names.get(unit, unit),
                "year": fy_label(fy),
                "diagnosed": diagnosed,
                "staged": staged,
                "early": early,
                "early_diagnosis_rate": early / staged if staged else None,
                "stage_completeness": staged / diagnosed if diagnosed else None,
                "emergency_presentations": emergency,
                "emergency_presentation_rate": emergency / ep_recorded if ep_recorded else None,
            }
        )
    return out


def eligibility(rows: list[dict], config: dict | None = None) -> list[dict]:
    """Quality Premium decision per organisation and year, with the reason."""
    cfg = config or rule()
    prev = {(r["org_code"], r["year"]): r for r in rows}
    out = []
    for r in rows:
        if r["org_code"] == UNMAPPED_CODE:
            continue
        start = int(r["year"][:4])
        before = prev.get((r["org_code"], fy_label(start - 1)))
        rate, completeness = r["early_diagnosis_rate"], r["stage_completeness"]
        change = (
            (rate - before["early_diagnosis_rate"])
            if (before and before["early_diagnosis_rate"] is not None and rate is not None)
            else None
        )
        if r["staged"] < cfg["min_staged_cases"]:
            eligible, reason = False, f"not assessed: {r['staged']} staged cases (< {cfg['min_staged_cases']})"
        elif completeness is None or completeness < cfg["min_stage_completeness"]:
            eligible, reason = (
                False,
                (f"stage completeness {completeness:.1%} below {cfg['min_stage_completeness']:.0%}"),
            )
        elif rate >= cfg["level"]:
            eligible, reason = True, f"early diagnosis {rate:.1%} at or above {cfg['level']:.0%}"
        elif change is not None and change >= cfg["improvement"]:
            eligible, reason = True, f"early diagnosis up {change * 100:.1f} points on the previous year"
        else:
            eligible, reason = (
                False,
                (
                    f"early diagnosis {rate:.1%} below {cfg['level']:.0%}"
                    + (f", change {change * 100:+.1f} points" if change is not None else "")
                ),
            )
        out.append({**r, "change_on_previous_year": change, "eligible": eligible, "reason": reason})
    return out
