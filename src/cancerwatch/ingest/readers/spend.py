"""Programme-budgeting spend on cancer, and the GDP deflator series used to express it in real terms.

**Programme budgeting** (kind ``programme_budgeting``): one row per organisation × programme ×
financial year, in the shape of the programme-budgeting returns:

| column | meaning |
| --- | --- |
| ``Year`` | financial year, ``2012/13`` or ``2012-13`` |
| ``Org code`` | CCG / sub-ICB location ODS code (``ENG`` for England; ``Q…`` ICB; ``Y…`` region) |
| ``Org name`` | optional |
| ``Programme`` | programme of care, e.g. ``02 Cancers & Tumours`` (only cancer is loaded) |
| ``Expenditure (£)`` or ``Expenditure (£000)`` | gross expenditure, cash |
| ``Population`` | the population the spend is divided by (as published with the return) |

Stored as numerator = expenditure in £ (cash), denominator = population, value = cash £ per
head. Prices are adjusted at query time (``indicator_queries.real_terms``), so a new deflator
vintage re-prices every year without reloading spend. Other programmes are quarantined with a
``not used:`` reason.

**GDP deflator** (kind ``gdp_deflator``): HM Treasury's series, a ``Year`` (or ``Financial year``)
column of financial years (``2022-23`` or ``2022/23``) and a column whose heading starts ``GDP
deflator`` (the index, any base year). Title lines above the header are skipped; rows whose year
is not a financial year (footnotes, calendar years) are quarantined. Loading a series replaces
the previous one.
"""

from __future__ import annotations

import re

import pyarrow as pa

from cancerwatch.catalogue.indicators import Indicator, indicators
from cancerwatch.catalogue.organisations import NATIONAL_CODE
from cancerwatch.errors import InputError
from cancerwatch.ingest.parsed import ParsedFile
from cancerwatch.ingest.readers.indicator_periods import PeriodProblem, parse_financial_year
from cancerwatch.ingest.readers.indicator_rows import (
    HEADER_SEARCH_ROWS,
    Duplicates,
    RowProblem,
    indicator_table,
    number,
    open_sheet,
    read_rows,
)
from cancerwatch.ingest.readers.workforce import level_of_org
from cancerwatch.ingest.values import clean

KIND = "programme_budgeting"
SIGNATURE = {"PROGRAMME", "POPULATION"}
REQUIRED = ("Year", "Org code", "Programme", "Population")
EXPENDITURE = {"Expenditure (£)": 1.0, "Expenditure (£000)": 1000.0}

DEFLATOR_KIND = "gdp_deflator"
DEFLATOR_PREFIX = "gdp deflator"
YEAR_HEADINGS = ("year", "financial year")


def spend_indicator() -> Indicator:
    """The catalogue indicator that programme-budgeting spend feeds."""
    return next(i for i in indicators().values() if i.spend)


def is_deflator_header(row: list) -> bool:
    """A header row with a year column and a ``GDP deflator…`` column."""
    cells = [clean(c).lower() for c in row]
    return any(c in YEAR_HEADINGS for c in cells) and any(c.startswith(DEFLATOR_PREFIX) for c in cells)


def _expenditure_column(parsed: ParsedFile, rows: list[list], header_row: int) -> tuple[str, float]:
    header = {clean(c).lower(): clean(c) for c in rows[header_row - 1]}
    for name, multiplier in EXPENDITURE.items():
        if name.lower() in header:
            return name, multiplier
    raise InputError(
        f"missing column 'Expenditure (£)' (or 'Expenditure (£000)'), found: {', '.join(header.values())}",
        file=parsed.path.name,
        row=header_row,
        column="Expenditure (£)",
    )


def _convert(ind: Indicator, column: str, multiplier: float, seen: Duplicates):
    pattern = re.compile(ind.spend["programme_pattern"])

    def convert(n: int, cells: dict[str, str]) -> tuple:
        if not pattern.search(cells["Programme"]):
            programme = cells["Programme"][:40]
            raise RowProblem("Programme", f"not used: programme {programme!r} is not cancer (programme 02)")
        code = cells["Org code"].upper()
        if not code:
            raise RowProblem("Org code", "Org code is empty")
        level = level_of_org(code, default="sub_icb")
        code = NATIONAL_CODE if level == "national" else code
        if level not in ind.levels:
            raise RowProblem("Org code", f"not used: {ind.id} is reported at {', '.join(ind.levels)}, not {level}")
        try:
            start = parse_financial_year(cells["Year"], "Year")
        except PeriodProblem as exc:
            raise RowProblem("Year", str(exc)) from None
        spend = number(cells, column) * multiplier
        population = number(cells, "Population")
        if population <= 0:
            raise RowProblem("Population", "Population is 0: no spend per head")
        seen.check((start, level, code), n, (spend, population), "Org code")
        return (ind.id, start, "financial_year", code, level, spend, population, spend / population, None, None)

    return convert


def read_programme_budgeting(parsed: ParsedFile, rows: list[list]) -> None:
    """Read programme-budgeting spend into ``parsed.indicators`` (cash; real terms at query time)."""
    sheet = open_sheet(parsed, rows, REQUIRED, ("Org name", *EXPENDITURE), layout="programme budgeting")
    column, multiplier = _expenditure_column(parsed, rows, sheet.header_row)
    seen = Duplicates("year and organisation")
    parsed.indicators = indicator_table(read_rows(parsed, sheet, _convert(spend_indicator(), column, multiplier, seen)))


def read_deflator(parsed: ParsedFile, rows: list[list]) -> None:
    """Read a GDP deflator series into ``parsed.reference['deflator_series']``."""
    header_at = next((n for n, r in enumerate(rows[:HEADER_SEARCH_ROWS]) if is_deflator_header(r)), None)
    if header_at is None:
        raise InputError("missing column 'GDP deflator' (expected 'Year' and 'GDP deflator…')", file=parsed.path.name)
    header = [clean(c) for c in rows[header_at]]
    year_col = next(c for c in header if c.lower() in YEAR_HEADINGS)
    index_col = next(c for c in header if c.lower().startswith(DEFLATOR_PREFIX))
    sheet = open_sheet(parsed, rows[header_at:], (year_col, index_col), layout="GDP deflator series")
    sheet.header_row += header_at
    sheet.rows = rows
    seen = Duplicates("financial year")

    def convert(n: int, cells: dict[str, str]) -> tuple:
        try:
            start = parse_financial_year(cells[year_col], year_col)
        except PeriodProblem as exc:
            raise RowProblem(year_col, str(exc)) from None
        deflator = number(cells, index_col)
        if deflator <= 0:
            raise RowProblem(index_col, f"{index_col} must be positive")
        seen.check((start,), n, (deflator,), year_col)
        label = f"{start.year}/{(start.year + 1) % 100:02d}"
        return (start, label, deflator)

    out = read_rows(parsed, sheet, convert)
    parsed.reference["deflator_series"] = pa.table(
        {
            "year_start": pa.array([r[0] for r in out], type=pa.date32()),
            "year_label": pa.array([r[1] for r in out], type=pa.string()),
            "deflator": pa.array([r[2] for r in out], type=pa.float64()),
        }
    )
