"""The row rules of the monthly CWT workbooks, one row at a time (the reasons of rejections).

The bulk checks in :mod:`cwt_workbook` apply the same rules to a whole workbook at once; a row
they reject is re-read here so that its quarantine reason names the column and what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from cancerwatch.errors import InputError
from cancerwatch.ingest.readers import cwt_workbook_layout as layout
from cancerwatch.ingest.readers.cwt_codes import MODALITIES, ROUTES
from cancerwatch.ingest.values import MAX_COUNT, MAX_TEXT, ORG_CODE_RE, clean

_ORG_CODE = re.compile(ORG_CODE_RE)
_HALF = Decimal("0.5")


@dataclass(frozen=True)
class Columns:
    """Where one part's columns are (indices into the row), found from its header row."""

    header_row: int
    header: list[str]
    code: int
    route: int | None
    detail: int | None
    total: int
    within: int
    after: int | None
    bands: tuple[tuple[int, layout.Band], ...]

    @property
    def modality_detail(self) -> bool:
        """True when the breakdown column is the treatment modality."""
        return self.detail is not None and self.header[self.detail].startswith("TREATMENT MODALITY")


def find_columns(header: list[str], at: int, days: int, file: str, sheet: str) -> Columns:
    """The columns of a part from its header cells (already :func:`layout.header_text`).

    The main measure is the first ``WITHIN <days> DAYS`` and ``AFTER <days> DAYS`` after ``TOTAL``;
    the bands are the ``WITHIN n`` / ``IN n TO m`` / ``AFTER n DAYS`` columns after the last blank
    separator column (or after ``TOTAL`` when there is none, as in the first-appointment sheets).
    """

    def find(names: tuple[str, ...] | str, start: int = 0) -> int | None:
        wanted = (names,) if isinstance(names, str) else names
        return next((i for i, h in enumerate(header) if i >= start and h in wanted), None)

    code = find(layout.CODE_HEADER)
    total = find("TOTAL")
    if code is None or total is None:
        missing = "ODS CODE" if code is None else "TOTAL"
        raise InputError(f"missing column {missing!r}", file=file, sheet=sheet, row=at + 1, column=missing)
    within = find(f"WITHIN {days} DAYS", total)
    if within is None:
        raise InputError(f"missing column 'WITHIN {days} DAYS'", file=file, sheet=sheet, row=at + 1)
    after = find(f"AFTER {days} DAYS", total)
    separators = [i for i, h in enumerate(header) if i > total and not h]
    first_band = separators[-1] + 1 if separators else total + 1
    bands = tuple((i, b) for i, h in enumerate(header) if i >= first_band and (b := layout.band_of(h)) is not None)
    if not bands:
        raise InputError(
            "no wait-band columns (WITHIN n / IN n TO m / AFTER n DAYS)", file=file, sheet=sheet, row=at + 1
        )
    return Columns(
        at, header, code, find(layout.ROUTE_HEADERS), find(layout.DETAIL_HEADERS), total, within, after, bands
    )


class Bad(Exception):
    """A row that breaks a rule: the column and the reason."""

    def __init__(self, column: str | None, reason: str) -> None:
        super().__init__(reason)
        self.column, self.reason = column, reason


def count(cell: object, column: str) -> Decimal:
    """A published count: a whole or half number of patients, at most :data:`MAX_COUNT`."""
    text = clean(cell)
    if not text:
        raise Bad(column, f"{column} is empty")
    if not re.fullmatch(r"[0-9]{1,9}(\.[0-9]+)?", text):
        raise Bad(column, f"{column} is not a count of patients")
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise Bad(column, f"{column} is not a number") from None
    if value > MAX_COUNT:
        raise Bad(column, f"{column} {value} is implausibly large (over {MAX_COUNT:,})")
    if (value / _HALF) != (value / _HALF).to_integral_value():
        raise Bad(column, f"{column} {value} is not a whole or half patient count")
    return value


def check_row(row: list, cols: Columns) -> None:
    """Raise :class:`Bad` for the first rule the row breaks (in the order the bulk checks apply them)."""
    texts = [clean(c) for c in row]
    code = texts[cols.code].upper() if cols.code < len(texts) else ""
    if not code:
        raise Bad("ODS CODE", "ODS CODE is empty")
    if not _ORG_CODE.fullmatch(code):
        raise Bad("ODS CODE", "ODS CODE is not an organisation code (letters and digits only)")

    def cell(i: int | None) -> object:
        return row[i] if i is not None and i < len(row) else None

    total = count(cell(cols.total), "TOTAL")
    within = count(cell(cols.within), cols.header[cols.within])
    after = count(cell(cols.after), cols.header[cols.after]) if cols.after is not None else total - within
    if within > total:
        raise Bad(cols.header[cols.within], f"{cols.header[cols.within]} {within} exceeds TOTAL {total}")
    if within + after != total:
        raise Bad("TOTAL", f"TOTAL {total} is not WITHIN + AFTER ({within + after})")
    bands = [count(cell(i), cols.header[i]) for i, _ in cols.bands]
    if sum(bands) != total:
        raise Bad("TOTAL", f"the wait bands add up to {sum(bands)}, not TOTAL {total}")
    if cols.route is not None:
        route_text = clean(cell(cols.route))
        if route_text and route_text.lower() not in layout.ALL_ROUTE_LABELS and route_text.lower() not in ROUTES:
            raise Bad(cols.header[cols.route], f"unknown {cols.header[cols.route].lower()}")
    if cols.detail is not None:
        name = cols.header[cols.detail]
        detail = clean(cell(cols.detail))
        if not detail:
            raise Bad(name, f"{name} is empty")
        if len(detail) > MAX_TEXT:
            raise Bad(name, f"{name} is longer than {MAX_TEXT} characters")
        if cols.modality_detail and detail.lower() != layout.ALL_CANCERS_LABEL and detail.lower() not in MODALITIES:
            raise Bad(name, "unknown treatment modality")
