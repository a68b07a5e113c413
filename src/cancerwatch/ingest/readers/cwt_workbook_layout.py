"""How NHS England's monthly CWT workbooks (October 2023 onwards) are laid out, found by content.

Each workbook (provider-based or commissioner-based) has a ``Frontpage`` that states the status
("Status: Final Official Statistics") and the month, then one sheet per measure and breakdown.
A measure sheet opens with a title block (measure title, month, ``BASIS: …``), then one or more
parts (``PART A: ALL ROUTES`` …), each a header row (``ODS CODE``, organisation name, route or
treatment stage, breakdown, ``TOTAL``, ``WITHIN n DAYS``, ``AFTER n DAYS``, a proportion, then
the distribution of waits in day bands) and one row per organisation, ending with the
``ALL ENGLISH PROVIDERS`` / ``ALL ENGLISH COMMISSIONERS`` row.

Source: NHS England, Cancer Waiting Times monthly statistics, provider and commissioner
workbooks (https://www.england.nhs.uk/statistics/statistical-work-areas/cancer-waiting-times/).
Nothing here depends on a sheet's name or a column's position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Measure titles (first cell of a sheet, upper case) → (standard id, breakdown the sheet gives).
#: ``all``: one row per organisation and route/stage, every cancer; ``fds``: route × suspected
#: cancer; ``cancer_type`` / ``modality``: the published tumour and treatment-modality breakdowns.
MEASURES: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"^FOUR WEEK \(28 DAYS\) WAIT .*: ALL ROUTES$"), "fds", "all"),
    (re.compile(r"^FOUR WEEK \(28 DAYS\) WAIT .*: BY ROUTE"), "fds", "fds"),
    (re.compile(r"^ONE MONTH \(31-DAY\) WAIT .*AND ALL CANCERS$"), "31d", "all"),
    (re.compile(r"^ONE MONTH \(31-DAY\) WAIT .*BY (TUMOUR|CANCER)$"), "31d", "cancer_type"),
    (re.compile(r"^ONE MONTH \(31-DAY\) WAIT .*BY TREATMENT MODALITY$"), "31d", "modality"),
    (re.compile(r"^TWO MONTH \(62-DAY\) WAIT .*AND ALL CANCERS$"), "62d", "all"),
    (re.compile(r"^TWO MONTH \(62-DAY\) WAIT .*BY CANCER$"), "62d", "cancer_type"),
    (re.compile(r"^TWO MONTH \(62-DAY\) WAIT .*BY TREATMENT MODALITY$"), "62d", "modality"),
    (
        re.compile(r"^WAIT FROM URGENT SUSPECTED CANCER REFERRAL TO BEING SEEN AT A FIRST OUTPATIENT"),
        "usc_foa",
        "cancer_type",
    ),
    (
        re.compile(r"^WAIT FROM URGENT BREAST SYMPTOMATIC REFERRAL TO BEING SEEN AT A FIRST HOSPITAL"),
        "ubs_fha",
        "cancer_type",
    ),
)

#: The route (or treatment stage) of measures that carry no route column: the first-appointment
#: measures are one route each.
FIXED_ROUTES = {"usc_foa": "urgent_suspected_cancer", "ubs_fha": "breast_symptomatic"}

#: Route / stage labels that mean "all of them" (the part-A and all-routes rows).
ALL_ROUTE_LABELS = frozenset({"all routes", "all stages"})
ALL_CANCERS_LABEL = "all cancers"

ENGLAND_ROW = re.compile(r"^ALL ENGLISH (PROVIDERS|COMMISSIONERS)$")
STATUS_RE = re.compile(r"^Status:\s*(.+)$", re.IGNORECASE)
BASIS_RE = re.compile(r"^BASIS:\s*(PROVIDER|COMMISSIONER) BASED", re.IGNORECASE)
FRONTPAGE_TITLE = re.compile(r"^Cancer Waiting Times statistics:\s*(Provider|Commissioner) Based", re.IGNORECASE)
PART_RE = re.compile(r"^PART [A-Z]:\s*(.+)$", re.IGNORECASE)

# Header cells, matched after trimming and upper-casing; footnote markers such as "(1)" dropped.
CODE_HEADER = "ODS CODE"
ROUTE_HEADERS = ("REFERRAL ROUTE", "TREATMENT STAGE")
DETAIL_HEADERS = (
    "CANCER TYPE",
    "TREATMENT MODALITY",
    "SUSPECTED CANCER OR BREAST SYMPTOMATIC",
    "SUSPECTED TYPE OF CANCER",
    "REFERRAL REASON",
)
BAND_RE = re.compile(r"^(?:WITHIN (\d+)|IN (\d+) TO (\d+)|AFTER (\d+)) DAYS$")
_FOOTNOTE = re.compile(r"\s*\(\d+\)\s*$")


def header_text(cell: object) -> str:
    """A header cell as matched: trimmed, upper case, without a trailing footnote marker."""
    return _FOOTNOTE.sub("", "" if cell is None else str(cell)).strip().upper()


@dataclass(frozen=True)
class Band:
    """One wait band of the published distribution: ``from_day``–``to_day`` days (None: open)."""

    label: str
    from_day: int
    to_day: int | None


def band_of(header: str) -> Band | None:
    """The band a header names (``WITHIN 14 DAYS`` → 0–14, ``IN 15 TO 28 DAYS`` → 15–28,
    ``AFTER 62 DAYS`` → 63 and over), or None."""
    m = BAND_RE.match(header)
    if not m:
        return None
    within, low, high, after = m.groups()
    if within is not None:
        return Band(f"within {within} days", 0, int(within))
    if after is not None:
        return Band(f"after {after} days", int(after) + 1, None)
    return Band(f"{low} to {high} days", int(low), int(high))


def measure_of(title: str) -> tuple[str, str] | None:
    """(standard id, breakdown) of a sheet whose first cell is ``title``, or None."""
    t = re.sub(r"\s+", " ", title.strip().upper())
    for pattern, standard, breakdown in MEASURES:
        if pattern.search(t):
            return standard, breakdown
    return None
