"""Recognise the indicator source formats by their header, and hand each to its reader.

``detect.py`` asks :func:`indicator_format` about each sheet's first rows; ``load.py`` calls
:func:`read_indicator_file` for the kinds listed in :data:`INDICATOR_KINDS`.
"""

from __future__ import annotations

from collections.abc import Callable

from cancerwatch.ingest.parsed import ParsedFile
from cancerwatch.ingest.readers import cpes, fingertips, spend, workforce
from cancerwatch.ingest.readers.indicator_rows import HEADER_SEARCH_ROWS
from cancerwatch.ingest.values import clean

READERS: dict[str, Callable[[ParsedFile, list[list]], None]] = {
    fingertips.KIND: fingertips.read_fingertips,
    cpes.KIND: cpes.read_cpes,
    workforce.KIND: workforce.read_workforce,
    workforce.REGISTER_KIND: workforce.read_alliance_register,
    spend.KIND: spend.read_programme_budgeting,
    spend.DEFLATOR_KIND: spend.read_deflator,
}
INDICATOR_KINDS = tuple(READERS)

_SIGNATURES = (
    (fingertips.SIGNATURE, fingertips.KIND),
    (cpes.SIGNATURE, cpes.KIND),
    (workforce.SIGNATURE, workforce.KIND),
    (workforce.REGISTER_SIGNATURE, workforce.REGISTER_KIND),
    (spend.SIGNATURE, spend.KIND),
)


def indicator_format(rows: list[list]) -> str | None:
    """The indicator kind whose header appears in the first rows of a sheet, or None."""
    for row in rows[:HEADER_SEARCH_ROWS]:
        header = {clean(c).upper() for c in row}
        for signature, kind in _SIGNATURES:
            if signature <= header:
                return kind
        if spend.is_deflator_header(row):
            return spend.DEFLATOR_KIND
    return None


def read_indicator_file(parsed: ParsedFile, rows: list[list], kind: str) -> None:
    """Read a file of an indicator kind into ``parsed`` (indicators or reference tables)."""
    READERS[kind](parsed, rows)
