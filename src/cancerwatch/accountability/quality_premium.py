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

from cancerwatch.catalogue.organisations import UNMAPPED_CODE
from cancerwatch.errors import UsageError
from cancerwatch.periods import fy_label

LEVELS = ("sub_icb", "icb", "alliance")

MEASURE = (
    "crude share of staged cancers diagnosed at stage 1 or 2: approximates NDRS's 'Case-mix adjusted percentage "
    "of cancers diagnosed at stages 1 and 2' but is not case-mix adjusted"
)
"""One line saying what ``early_diagnosis_rate`` is, for every front end that shows it."""

EARLY_SQL = """
WITH dx AS (
  SELECT commissioner_code, stage, emergency_presentation,
         coalesce(CASE WHEN fds_outcome = 'cancer_confirmed' THEN fds_end_date END, treatment_date) AS dx_date
  FROM pathways
  WHERE fds_outcome = 'cancer_confirmed' OR (treatment_kind = 'first' AND treatment_date IS NOT NULL)
), placed AS (
  SELECT dx.*, CASE WHEN month(dx_date) >= 4 THEN year(dx_date) ELSE year(dx_date) - 1 END AS fy,
         coalesce(r.parent_code, $unmapped) AS unit_code
  FROM dx LEFT JOIN org_rollup r
    ON r.basis = 'commissioner' AND r.level = $level AND r.org_code = dx.commissioner_code
   AND dx_date >= r.valid_from AND (r.valid_to IS NULL OR dx_date <= r.valid_to)
  WHERE dx_date IS NOT NULL
)
SELECT unit_code, fy,
       count(*) AS diagnosed,
       count(*) FILTER (WHERE stage IN ('1', '2', '3', '4')) AS staged,
       count(*) FILTER (WHERE stage IN ('1', '2')) AS early,
       count(*) FILTER (WHERE emergency_presentation IS NOT NULL) AS ep_recorded,
       count(*) FILTER (WHERE emergency_presentation) AS emergency
FROM placed GROUP BY ALL ORDER BY unit_code, fy
"""


def rule() -> dict:
    """The packaged eligibility rule."""
    text = resources.files("cancerwatch.catalogue").joinpath("quality_premium.toml").read_text("utf-8")
    return tomllib.loads(text)


def early_diagnosis(con: duckdb.DuckDBPyConnection, *, level: str = "sub_icb") -> list[dict]:
    """Per organisation and financial year: early-diagnosis share, completeness, emergency rate."""
    if level not in LEVELS:
        raise UsageError(f"unknown level {level!r}: use one of {', '.join(LEVELS)}")
    rows = con.execute(EARLY_SQL, {"level": level, "unmapped": UNMAPPED_CODE}).fetchall()
    names = dict(con.execute("SELECT org_code, org_name FROM organisations").fetchall())
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
