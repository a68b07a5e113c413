"""The vocabulary of NHS England's CRS extracts, mapped to cancerwatch's snake_case ids.

Source: docs/cwt-rules.md, provider extract (STAGE/ROUTE and TREATMENT MODALITY values) and
consolidated standards (ICB sub-location SUB-CATEGORY values). Matching is case-insensitive after
trimming.
"""

from __future__ import annotations

from datetime import date

from cancerwatch.catalogue.standards import standards

ROUTES = {
    "urgent suspected cancer": "urgent_suspected_cancer",
    "national screening programme": "screening",
    "screening": "screening",
    "breast symptomatic, cancer not suspected": "breast_symptomatic",
    "breast symptomatic": "breast_symptomatic",
    "consultant upgrade": "consultant_upgrade",
    "first treatment": "first_treatment",
    "subsequent treatment": "subsequent_treatment",
}

MODALITIES = {
    "anti-cancer drug regimen": "anti_cancer_drug",
    "radiotherapy": "radiotherapy",
    "surgery": "surgery",
    "other": "other",
}

ALL_MODALITIES = "all modalities"
ALL_CANCERS = "all cancers"

# ICB sub-location SUB-CATEGORY → (route, modality)
SUB_CATEGORIES = {
    "31-day (first)": ("first_treatment", None),
    "31-day sub (anti-cancer drug regimen)": ("subsequent_treatment", "anti_cancer_drug"),
    "31-day sub (radiotherapy)": ("subsequent_treatment", "radiotherapy"),
    "31-day sub (surgery)": ("subsequent_treatment", "surgery"),
    "31-day sub (other)": ("subsequent_treatment", "other"),
    "62-day (urgent suspected cancer)": ("urgent_suspected_cancer", None),
    "62-day (breast symptomatic)": ("breast_symptomatic", None),
    "62-day (screening)": ("screening", None),
    "62-day (consultant upgrade)": ("consultant_upgrade", None),
}

# The month the more granular tumour classification starts (NHS England technical note).
RECLASSIFICATION_MONTH = date(2023, 10, 1)


def extract_standards() -> dict[str, str]:
    """Extract STANDARD text (lower case) → standard id, from the catalogue."""
    return {s.extract_standard.lower(): s.id for s in standards().values() if s.extract_standard}


def tumour_scheme(standard_id: str, period: date) -> str:
    """Which tumour classification a row's CANCER TYPE uses."""
    if standard_id == "fds":
        return "fds_suspected"
    return "2023" if period >= RECLASSIFICATION_MONTH else "2022"
