"""Recognise which published source a file is, from its content rather than its name."""

from __future__ import annotations

from cancerwatch.errors import InputError
from cancerwatch.ingest.grid import Grid
from cancerwatch.ingest.readers import dm01, reference, workforce_statistics
from cancerwatch.ingest.readers.commissioner_workbook import looks_like_workbook
from cancerwatch.ingest.readers.cwt_extract import PROVIDER, SUB_ICB
from cancerwatch.ingest.readers.cwt_workbook import looks_like_cwt_workbook
from cancerwatch.ingest.readers.indicator_formats import INDICATOR_KINDS, indicator_format
from cancerwatch.ingest.readers.national_series import looks_like_national_series
from cancerwatch.ingest.values import clean

KINDS = (
    "cwt_workbook",
    "cwt_provider",
    "cwt_sub_icb",
    "commissioner_workbook",
    "national_series",
    "ons_sub_icb_lookup",
    "ods_trusts",
    "ons_cancer_alliances",
    "tumour_note",
    "pathways",
    dm01.KIND,
    workforce_statistics.KIND,
    *INDICATOR_KINDS,
)


def _extract_kind(first_row: list) -> str | None:
    header = {clean(c).upper() for c in first_row}
    if {"ORG CODE", "TOTAL TREATED", "STANDARD"} <= header:
        return PROVIDER.kind
    if {"ICB SUB LOCATION", "STANDARD"} <= header:
        return SUB_ICB.kind
    return None


def extract_sheets(grid: Grid, kind: str) -> list[str | int]:
    """Every visible sheet of an extract that holds rows of ``kind``, in workbook order.

    A hidden sheet holding extract rows is refused (it may be a stale copy), as is a sheet of the
    other extract family: a file is read whole or not at all, never in part.
    """
    if grid.is_csv:
        return [0]
    hidden = grid.hidden_sheets()
    found: list[str | int] = []
    for sheet in grid.sheet_names:
        rows = grid.head(sheet, n=5) if len(grid.sheet_names) > 1 else grid.head(sheet)
        first = next((r for r in rows if any(clean(c) for c in r)), None)
        other = _extract_kind(first) if first is not None else None
        if other is None:
            continue
        if sheet in hidden:
            raise InputError(
                f"hidden sheet {sheet!r} holds extract rows: unhide it or delete it, so that what is loaded is what "
                "you see",
                file=grid.path.name,
                sheet=sheet,
            )
        if other != kind:
            raise InputError(f"sheet {sheet!r} is a different extract ({other}) from the first", file=grid.path.name)
        found.append(sheet)
    return found


def detect(grid: Grid) -> tuple[str, str | int]:
    """Return (kind, sheet) for a readable file; InputError when it is none of the known sources."""
    names = grid.sheet_names
    if looks_like_national_series(names):
        return "national_series", 0
    if looks_like_cwt_workbook(grid):
        return "cwt_workbook", 0
    if looks_like_workbook(names):
        return "commissioner_workbook", 0
    if dm01.dm01_sheets(grid):
        return dm01.KIND, 0
    if workforce_statistics.looks_like_workforce_statistics(grid):
        return workforce_statistics.KIND, 0
    for sheet in names:
        rows = grid.head(sheet)
        first = next((r for r in rows if any(clean(c) for c in r)), None)
        if first is None:
            continue
        extract = _extract_kind(first)
        if extract is not None:
            return extract, sheet
        header = {clean(c).upper() for c in first}
        if {"PATHWAY_ID", "REFERRAL_DATE"} <= header:
            return "pathways", sheet
        if reference.is_ons_lookup(first):
            return "ons_sub_icb_lookup", sheet
        if reference.is_ods_trusts(first):
            return "ods_trusts", sheet
        if reference.is_ons_alliances(first):
            return "ons_cancer_alliances", sheet
        if reference.is_tumour_note(rows):
            return "tumour_note", sheet
        if indicator_kind := indicator_format(rows):
            return indicator_kind, sheet
    if all(not any(clean(c) for c in r) for s in names for r in grid.head(s)):
        raise InputError("file has no data (every sheet is empty)", file=grid.path.name)
    raise InputError(
        "not a recognised NHS England CWT extract, workbook, national series or reference lookup "
        "(no known header such as 'ORG CODE … TOTAL TREATED' or 'ICB SUB LOCATION')",
        file=grid.path.name,
    )
