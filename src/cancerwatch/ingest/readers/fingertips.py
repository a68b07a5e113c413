"""OHID Fingertips data downloads (the ``all_data`` CSV of the website and API).

Layout (one row per indicator × area × sex × age × category × period), as written by the
Fingertips CSV export: ``Indicator ID``, ``Indicator Name``, ``Parent Code``, ``Parent Name``,
``Area Code``, ``Area Name``, ``Area Type``, ``Sex``, ``Age``, ``Category Type``, ``Category``,
``Time period``, ``Value``, ``Lower CI 95.0 limit``, ``Upper CI 95.0 limit``, ``Lower CI 99.8
limit``, ``Upper CI 99.8 limit``, ``Count``, ``Denominator``, ``Value note``, ``Recent Trend``,
``Compared to England value or percentiles``, then a comparison with the parent whose heading
depends on the parent area type (``Compared to percentiles`` when the parent is England, else
``Compared to <parent type> value or percentiles``), ``Time period Sortable``, ``New data``,
``Compared to goal`` and, in newer exports, ``Time period range``. Only the columns named in
:data:`REQUIRED` are read; the others (including the variable comparison heading) are kept in
the raw row of anything quarantined.

Rules, each a quarantine reason when broken:

- the Fingertips indicator id must map to a catalogue indicator (``fingertips`` in
  ``indicators.toml``), and the ``Indicator Name`` must match the mapping's pattern (a guard
  against a wrong id in the catalogue);
- one stratum only: the whole population (no ``Category Type``) and the catalogue's sex and age;
  Fingertips rows for other strata re-partition the same people, so loading them would double
  count;
- the area must be an NHS geography cancerwatch reports on, known by its ONS code prefix:
  E92 England, E40 NHS England region, E56 Cancer Alliance, E54 ICB, E38 sub-ICB location
  (or CCG); ONS statistical regions (E12) and local authorities are not NHS geographies;
- an empty ``Value`` is a hole (suppressed or not calculable, see ``Value note``), never a zero;
- Fingertips writes proportions as percentages: the mapping's ``scale`` (100) converts them;
- the same area and period twice (Fingertips can list an area once under each parent) keeps the
  first row.
"""

from __future__ import annotations

import re

from cancerwatch.catalogue.indicators import FingertipsMapping, Indicator, fingertips_map, normalise
from cancerwatch.catalogue.organisations import NATIONAL_CODE
from cancerwatch.ingest.parsed import ParsedFile
from cancerwatch.ingest.readers.indicator_periods import (
    PeriodProblem,
    describe_period_type,
    parse_fingertips_period,
)
from cancerwatch.ingest.readers.indicator_rows import (
    Duplicates,
    RowProblem,
    check_interval,
    indicator_table,
    number,
    open_sheet,
    read_rows,
)

KIND = "fingertips"
SIGNATURE = {"INDICATOR ID", "AREA CODE", "TIME PERIOD"}
REQUIRED = (
    "Indicator ID",
    "Indicator Name",
    "Area Code",
    "Area Type",
    "Sex",
    "Age",
    "Category Type",
    "Time period",
    "Value",
    "Lower CI 95.0 limit",
    "Upper CI 95.0 limit",
    "Count",
    "Denominator",
    "Value note",
)
ONS_LEVELS = {"E92": "national", "E40": "region", "E56": "alliance", "E54": "icb", "E38": "sub_icb"}
ENGLAND_ONS = "E92000001"


def level_of_area(code: str, area_type: str) -> str:
    """The cancerwatch level of a Fingertips area, from its ONS code prefix."""
    level = ONS_LEVELS.get(code[:3].upper())
    if level is None:
        raise RowProblem(
            "Area Code",
            f"not used: area {code} ({area_type or 'no area type'}) is not an NHS geography cancerwatch reports on "
            "(E92 England, E40 NHS region, E56 Cancer Alliance, E54 ICB, E38 sub-ICB)",
        )
    return level


def _mapping(cells: dict[str, str]) -> tuple[Indicator, FingertipsMapping]:
    text = cells["Indicator ID"]
    try:
        fid = int(float(text)) if text and float(text).is_integer() else None
    except ValueError:
        fid = None
    if fid is None:
        raise RowProblem("Indicator ID", f"Indicator ID {text!r} is not a whole number")
    candidates = fingertips_map().get(fid)
    if not candidates:
        raise RowProblem("Indicator ID", f"not used: Fingertips indicator {fid} is not in the indicator catalogue")
    name = cells["Indicator Name"]
    if not any(re.search(m.name_pattern, name) for _, m in candidates):
        ind, m = candidates[0]
        raise RowProblem(
            "Indicator Name",
            f"Indicator Name {name[:60]!r} does not match catalogue indicator {ind.id} "
            f"(pattern {m.name_pattern!r}): check the Fingertips id in indicators.toml",
        )
    if cells["Category Type"]:
        raise RowProblem(
            "Category Type",
            f"not used: inequality breakdown (Category Type {cells['Category Type']!r}); "
            "cancerwatch loads the whole-population row",
        )
    sex, age = normalise(cells["Sex"]), normalise(cells["Age"])
    for ind, m in candidates:
        if normalise(m.sex) == sex and normalise(m.age) == age:
            return ind, m
    wanted = "; ".join(f"{m.sex}, {m.age}" for _, m in candidates)
    raise RowProblem("Sex", f"not used: stratum {cells['Sex']}, {cells['Age']} (the catalogue loads {wanted})")


def _convert(seen: Duplicates):
    def convert(n: int, cells: dict[str, str]) -> tuple:
        ind, m = _mapping(cells)
        code = cells["Area Code"].upper()
        level = level_of_area(code, cells["Area Type"])
        if level not in ind.levels:
            raise RowProblem("Area Type", f"not used: {ind.id} is reported at {', '.join(ind.levels)}, not {level}")
        try:
            period_type, start = parse_fingertips_period(cells["Time period"])
        except PeriodProblem as exc:
            raise RowProblem("Time period", str(exc)) from None
        if period_type != ind.period_type:
            raise RowProblem(
                "Time period",
                f"not used: Time period {cells['Time period']!r} is {describe_period_type(period_type)}; "
                f"{ind.id} is a {describe_period_type(ind.period_type)} series",
            )
        if not cells["Value"]:
            note = cells["Value note"] or "no note"
            raise RowProblem("Value", f"no value published (Value note: {note[:80]!r})")
        value = number(cells, "Value", negative_ok=ind.unit != "proportion")
        low = number(cells, "Lower CI 95.0 limit", required=False, negative_ok=True)
        high = number(cells, "Upper CI 95.0 limit", required=False, negative_ok=True)
        check_interval(value, low, high, "Lower CI 95.0 limit", "Upper CI 95.0 limit")
        count = number(cells, "Count", required=False)
        denominator = number(cells, "Denominator", required=False)
        if ind.unit == "proportion":
            if not 0 <= value / m.scale <= 1:
                raise RowProblem("Value", f"Value {value:g} is not a percentage (0–{m.scale:g})")
            if count is not None and denominator is not None and count > denominator:
                raise RowProblem("Count", f"Count {count:g} exceeds Denominator {denominator:g}")
        org_code = NATIONAL_CODE if code == ENGLAND_ONS else code
        key = (ind.id, period_type, start, level, org_code)
        seen.check(key, n, (value, low, high, count, denominator), "Area Code")

        def scaled(x: float | None) -> float | None:
            return None if x is None else round(x / m.scale, 12)  # 12.7 / 100 → 0.127, not 0.12699999…

        return (
            ind.id,
            start,
            period_type,
            org_code,
            level,
            count,
            denominator,
            scaled(value),
            scaled(low),
            scaled(high),
        )

    return convert


def read_fingertips(parsed: ParsedFile, rows: list[list]) -> None:
    """Read a Fingertips CSV into ``parsed.indicators`` (quarantining rows as described above)."""
    sheet = open_sheet(parsed, rows, REQUIRED, layout="Fingertips all_data CSV")
    seen = Duplicates("indicator, area and period", "Fingertips lists an area once under each parent")
    parsed.indicators = indicator_table(read_rows(parsed, sheet, _convert(seen)))
