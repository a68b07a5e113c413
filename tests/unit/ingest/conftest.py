"""Small hand-made extracts in the published layouts."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from cancerwatch.periods import MONTH_ABBR

PROVIDER_HEADER = [
    "PERIOD",
    "YEAR",
    "MONTH",
    "STANDARD",
    "ORG CODE",
    "STAGE/ROUTE",
    "TREATMENT MODALITY",
    "CANCER TYPE",
    "TOTAL TREATED",
    "WITHIN STANDARD",
    "BREACHES",
]


def provider_row(
    period="2023-04-01",
    standard="28-day FDS",
    org="RBK",
    route="URGENT SUSPECTED CANCER",
    modality="",
    cancer="Suspected lung cancer",
    total="10",
    within="7",
    breaches="3",
):
    """One provider-extract row as text cells; YEAR and MONTH name the month of an ISO ``period``."""
    year, month = "2023/24", "APR"
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", period):
        y, m = int(period[:4]), int(period[5:7])
        if 1 <= m <= 12:
            start = y if m >= 4 else y - 1
            year, month = f"{start}/{(start + 1) % 100:02d}", MONTH_ABBR[m - 1]
    return [period, year, month, standard, org, route, modality, cancer, total, within, breaches]


def write_csv(path: Path, rows, header=PROVIDER_HEADER) -> Path:
    """Write rows (with a header) as a CSV file."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        if header:
            w.writerow(header)
        w.writerows(rows)
    return path
