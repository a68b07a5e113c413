"""Small hand-made extracts in the published layouts."""

from __future__ import annotations

import csv
from pathlib import Path

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
    """One provider-extract row as text cells."""
    return [period, "2023/24", "APR", standard, org, route, modality, cancer, total, within, breaches]


def write_csv(path: Path, rows, header=PROVIDER_HEADER) -> Path:
    """Write rows (with a header) as a CSV file."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        if header:
            w.writerow(header)
        w.writerows(rows)
    return path
