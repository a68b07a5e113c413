"""NHS workforce statistics for cancer staff groups, and the Alliance workforce register.

**Workforce statistics** (kind ``workforce_statistics``): one row per organisation × staff group ×
month, in the shape of NHS England's workforce and vacancy statistics by organisation:

| column | meaning |
| --- | --- |
| ``Period`` | the month: ``2024-03``, ``2024-03-01``, ``March 2024`` or ``Mar-24`` |
| ``Org code`` | trust ODS code; ``ENG`` for England, ``Y56``… for an NHS region, ``Q…`` for an ICB |
| ``Org name`` | optional |
| ``Staff group`` | e.g. ``Clinical nurse specialist (cancer)``; matched to ``workforce.staff_groups`` |
| ``FTE in post`` | full-time-equivalent staff in post |
| ``FTE vacancies`` and/or ``Establishment FTE`` | vacant FTE, or the planned workforce |

Vacancy rate = vacant FTE ÷ (FTE in post + vacant FTE), the NHS vacancy statistics definition
(the planned workforce is staff in post plus vacancies). When only the establishment is given,
vacancies = establishment − FTE in post; when both are given they must agree to 0.01 FTE.
Stored as numerator = vacant FTE, denominator = planned workforce FTE, so staff in post is
denominator − numerator (used by ``planning.workforce_capacity``).

**Alliance workforce register** (kind ``alliance_workforce_register``): a simple register each
Cancer Alliance keeps of its own team: ``Alliance code`` (as in ``catalogue/alliances.csv``),
``Team posts funded``, ``Team posts filled`` (FTE), ``Workforce plan published`` (yes/no),
``As of`` (ISO date) and optional ``Source``.
"""

from __future__ import annotations

import re
from datetime import date, datetime

import pyarrow as pa

from cancerwatch.catalogue.indicators import normalise, staff_group_map
from cancerwatch.catalogue.organisations import NATIONAL_CODE, packaged_rows
from cancerwatch.ingest.parsed import ParsedFile
from cancerwatch.ingest.readers.indicator_periods import PeriodProblem, parse_month
from cancerwatch.ingest.readers.indicator_rows import (
    Duplicates,
    RowProblem,
    indicator_table,
    number,
    open_sheet,
    read_rows,
)

KIND = "workforce_statistics"
SIGNATURE = {"PERIOD", "STAFF GROUP"}
REQUIRED = ("Period", "Org code", "Staff group", "FTE in post")
OPTIONAL = ("Org name", "FTE vacancies", "Establishment FTE")
FTE_TOLERANCE = 0.01

REGISTER_KIND = "alliance_workforce_register"
REGISTER_SIGNATURE = {"ALLIANCE CODE", "TEAM POSTS FUNDED"}
REGISTER_REQUIRED = ("Alliance code", "Team posts funded", "Team posts filled", "Workforce plan published", "As of")
BOOLEANS = {"yes": True, "y": True, "true": True, "1": True, "no": False, "n": False, "false": False, "0": False}

NATIONAL_ALIASES = {"ENG", "ENGLAND", "E92000001"}


def level_of_org(code: str, default: str = "provider") -> str:
    """The level of an ODS-style organisation code in a workforce or spend file."""
    if code in NATIONAL_ALIASES:
        return "national"
    if re.fullmatch(r"Y\d{2}", code):
        return "region"
    if re.fullmatch(r"Q[A-Z0-9]{2}", code):
        return "icb"
    if re.fullmatch(r"E56\d{6}|CA-[A-Z]+", code):
        return "alliance"
    return default


def _vacancies(cells: dict[str, str], in_post: float) -> float:
    vacancies = number(cells, "FTE vacancies", required=False)
    establishment = number(cells, "Establishment FTE", required=False)
    if vacancies is None and establishment is None:
        raise RowProblem("FTE vacancies", "FTE vacancies and Establishment FTE are both empty")
    if establishment is not None:
        derived = establishment - in_post
        if vacancies is not None and abs(derived - vacancies) > FTE_TOLERANCE:
            raise RowProblem(
                "Establishment FTE",
                f"Establishment FTE {establishment:g} is not FTE in post + FTE vacancies ({in_post + vacancies:g})",
            )
        if derived < -FTE_TOLERANCE:
            raise RowProblem(
                "Establishment FTE",
                f"FTE in post {in_post:g} exceeds Establishment FTE {establishment:g}: no vacancy rate",
            )
        vacancies = max(derived, 0.0) if vacancies is None else vacancies
    return vacancies  # type: ignore[return-value]


def _convert(seen: Duplicates):
    groups = staff_group_map()

    def convert(n: int, cells: dict[str, str]) -> tuple:
        ind = groups.get(normalise(cells["Staff group"]))
        if ind is None:
            raise RowProblem("Staff group", f"not used: staff group {cells['Staff group']!r} is not in the catalogue")
        code = cells["Org code"].upper()
        if not code:
            raise RowProblem("Org code", "Org code is empty")
        level = level_of_org(code)
        code = NATIONAL_CODE if level == "national" else code
        if level not in ind.levels:
            raise RowProblem("Org code", f"not used: {ind.id} is reported at {', '.join(ind.levels)}, not {level}")
        try:
            month = parse_month(cells["Period"], "Period")
        except PeriodProblem as exc:
            raise RowProblem("Period", str(exc)) from None
        in_post = number(cells, "FTE in post")
        vacancies = _vacancies(cells, in_post)
        planned = in_post + vacancies
        if planned <= 0:
            raise RowProblem("FTE in post", "FTE in post and vacancies are both 0: no vacancy rate")
        seen.check((ind.id, month, level, code), n, (in_post, vacancies), "Staff group")
        return (ind.id, month, "month", code, level, vacancies, planned, vacancies / planned, None, None)

    return convert


def read_workforce(parsed: ParsedFile, rows: list[list]) -> None:
    """Read workforce statistics into ``parsed.indicators`` (vacancy rates by staff group)."""
    sheet = open_sheet(parsed, rows, REQUIRED, OPTIONAL, layout="NHS workforce statistics by organisation")
    seen = Duplicates("staff group, month and organisation")
    parsed.indicators = indicator_table(read_rows(parsed, sheet, _convert(seen)))


def _alliance_codes() -> dict[str, str]:
    out = {}
    for r in packaged_rows("alliances.csv"):
        out[r["alliance_code"].upper()] = r["alliance_code"]
        if r.get("ons_code"):
            out[r["ons_code"].upper()] = r["alliance_code"]
    return out


def _as_of(text: str) -> date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise RowProblem("As of", f"As of {text[:40]!r} is not a date (use YYYY-MM-DD)")


def _register_convert(parsed: ParsedFile, seen: Duplicates):
    codes = _alliance_codes()

    def convert(n: int, cells: dict[str, str]) -> tuple:
        code = codes.get(cells["Alliance code"].upper())
        if code is None:
            raise RowProblem(
                "Alliance code", f"Alliance code {cells['Alliance code']!r} is not in catalogue/alliances.csv"
            )
        funded = number(cells, "Team posts funded")
        filled = number(cells, "Team posts filled")
        if filled > funded:
            raise RowProblem("Team posts filled", f"Team posts filled {filled:g} exceeds posts funded {funded:g}")
        plan_text = cells["Workforce plan published"]
        plan = BOOLEANS.get(plan_text.lower())
        if plan is None:
            raise RowProblem("Workforce plan published", f"Workforce plan published {plan_text!r} is not yes/no")
        as_of = _as_of(cells["As of"])
        seen.check((code, as_of), n, (funded, filled, plan), "Alliance code")
        return (code, funded, filled, plan, as_of, cells.get("Source") or parsed.path.name)

    return convert


def read_alliance_register(parsed: ParsedFile, rows: list[list]) -> None:
    """Read the Alliance workforce register into ``parsed.reference``."""
    sheet = open_sheet(parsed, rows, REGISTER_REQUIRED, ("Source",), layout="Alliance workforce register")
    out = read_rows(parsed, sheet, _register_convert(parsed, Duplicates("Alliance and date")))
    names = ("alliance_code", "team_posts_funded", "team_posts_filled", "workforce_plan_published", "as_of", "source")
    types = (pa.string(), pa.float64(), pa.float64(), pa.bool_(), pa.date32(), pa.string())
    parsed.reference[REGISTER_KIND] = pa.table(
        {name: pa.array([r[i] for r in out], type=t) for i, (name, t) in enumerate(zip(names, types, strict=True))}
    )
