"""National Cancer Patient Experience Survey (NCPES) results by organisation and question.

Assumed layout (one row per organisation × question; a header row, then data), following the
columns of the results NHS England and Picker publish for each reporting level:

| column | meaning |
| --- | --- |
| ``Survey year`` | the survey year, e.g. ``2023`` (patients treated in that year's sample months) |
| ``Level`` | ``National``, ``Cancer Alliance``, ``ICB`` or ``Trust`` |
| ``Org code`` | ODS code (trust, ICB), the Alliance's code, or ``ENG`` / ``E92000001`` for England |
| ``Org name`` | optional |
| ``Question number`` | e.g. ``Q59`` (numbers change between survey years) |
| ``Question text`` | the question as asked |
| ``Score`` | the case-mix adjusted score: a mean (0–10) for the overall rating |
| ``Lower 95% CI``, ``Upper 95% CI`` | the published interval of the score |
| ``Number of respondents`` | respondents who answered the question |

The published files are not all in exactly this shape (the dashboard exports name the same
fields a little differently); rename their columns to these before loading. Questions are
matched to catalogue indicators by the text pattern in ``indicators.toml`` (``cpes``), because
question numbers change from year to year. Questions the catalogue does not use are quarantined
with a ``not used:`` reason; an empty score (results from few respondents are suppressed) is a
hole, never a zero.
"""

from __future__ import annotations

import re
from datetime import date

from cancerwatch.catalogue.indicators import Indicator, indicators, normalise
from cancerwatch.catalogue.organisations import NATIONAL_CODE
from cancerwatch.ingest.parsed import ParsedFile
from cancerwatch.ingest.readers.indicator_rows import (
    Duplicates,
    RowProblem,
    check_interval,
    indicator_table,
    number,
    open_sheet,
    read_rows,
)

KIND = "cpes"
SIGNATURE = {"QUESTION NUMBER", "NUMBER OF RESPONDENTS"}
REQUIRED = (
    "Survey year",
    "Level",
    "Org code",
    "Question number",
    "Question text",
    "Score",
    "Lower 95% CI",
    "Upper 95% CI",
    "Number of respondents",
)
LEVELS = {
    "national": "national",
    "england": "national",
    "cancer alliance": "alliance",
    "alliance": "alliance",
    "icb": "icb",
    "integrated care board": "icb",
    "trust": "provider",
    "nhs trust": "provider",
    "provider": "provider",
}
_YEAR = re.compile(r"^(\d{4})$")


def _indicator_for(question: str, number_text: str) -> Indicator:
    for ind in indicators().values():
        pattern = ind.cpes.get("question_pattern")
        if pattern and re.search(pattern, question):
            return ind
    label = number_text or question[:40]
    raise RowProblem("Question text", f"not used: question {label!r} is not a catalogue indicator")


def _convert(seen: Duplicates):
    def convert(n: int, cells: dict[str, str]) -> tuple:
        ind = _indicator_for(cells["Question text"], cells["Question number"])
        level = LEVELS.get(normalise(cells["Level"]))
        if level is None:
            raise RowProblem("Level", f"Level {cells['Level']!r} is not one of National, Cancer Alliance, ICB, Trust")
        if level not in ind.levels:
            raise RowProblem("Level", f"not used: {ind.id} is reported at {', '.join(ind.levels)}, not {level}")
        code = NATIONAL_CODE if level == "national" else cells["Org code"].upper()
        if not code:
            raise RowProblem("Org code", "Org code is empty")
        year = _YEAR.match(cells["Survey year"])
        if not year or not 2000 <= int(year.group(1)) <= 2100:
            raise RowProblem("Survey year", f"Survey year {cells['Survey year']!r} is not a year (e.g. 2023)")
        respondents = number(cells, "Number of respondents")
        if respondents is not None and not respondents.is_integer():
            raise RowProblem("Number of respondents", f"Number of respondents {respondents:g} is not a whole number")
        if not cells["Score"]:
            raise RowProblem("Score", f"no score published ({respondents:g} respondents; small numbers are suppressed)")
        scale = float(ind.cpes.get("scale", 1))
        score = number(cells, "Score") / scale
        low = number(cells, "Lower 95% CI", required=False)
        high = number(cells, "Upper 95% CI", required=False)
        low, high = (None if x is None else x / scale for x in (low, high))
        lo_bound, hi_bound = float(ind.cpes.get("min", 0)), float(ind.cpes.get("max", 1))
        if not lo_bound <= score <= hi_bound:
            raise RowProblem("Score", f"Score {score:g} is outside {lo_bound:g}–{hi_bound:g} for {ind.id}")
        check_interval(score, low, high, "Lower 95% CI", "Upper 95% CI")
        start = date(int(year.group(1)), 1, 1)
        seen.check((ind.id, start, level, code), n, (score, low, high, respondents), "Org code")
        return (ind.id, start, "calendar_year", code, level, None, respondents, score, low, high)

    return convert


def read_cpes(parsed: ParsedFile, rows: list[list]) -> None:
    """Read NCPES results into ``parsed.indicators``."""
    sheet = open_sheet(parsed, rows, REQUIRED, ("Org name",), layout="NCPES results")
    seen = Duplicates("indicator, year and organisation")
    parsed.indicators = indicator_table(read_rows(parsed, sheet, _convert(seen)))
