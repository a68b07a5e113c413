"""Real organisation codes for synthetic pathways: providers and sub-ICB locations.

Preference order: codes in a warehouse (providers with published CWT figures, else the ODS trust
reference; sub-ICB locations from the ONS lookup), then the bundled reference files under
``data/geo`` of the repository, then a short built-in list so that an installed package still works.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

GEO = Path(__file__).resolve().parents[3] / "data" / "geo"
TRUSTS_CSV = GEO / "ods_etr_nhs_trusts.csv"
SUB_ICB_CSV = GEO / "Sub_ICB_Locations_to_ICB_to_NHS_England_Region_Jul_2022_Lookup.csv"

#: Trusts whose names say they do not run cancer pathways (ambulance, mental health, community,
#: learning disability, Welsh bodies, eye hospital): left out of the synthetic providers.
NOT_CANCER_PROVIDERS = (
    "AMBULANCE",
    "MENTAL",
    "PARTNERSHIP",
    "COMMUNITY",
    "SOCIAL CARE",
    "TAVISTOCK",
    "LEARNING",
    "HEALTH AND CARE",
    "DORSET HEALTHCARE",
    "NOTTINGHAMSHIRE HEALTHCARE",
    "COMBINED HEALTHCARE",
    "NORTHAMPTONSHIRE HEALTHCARE",
    "BERKSHIRE HEALTHCARE",
    "DERBYSHIRE HEALTHCARE",
    "PENNINE CARE",
    "MERSEY CARE",
    "WALES",
    "VELINDRE",
    "SOLENT",
    "OXLEAS",
    "MAUDSLEY",
    "HUMBER TEACHING",
    "SOUTH HUMBER",
    "TEES, ESK",
    "NORTHUMBERLAND, TYNE",
    "NORFOLK AND SUFFOLK",
    "EAST LONDON NHS",
    "WEST LONDON NHS",
    "CENTRAL AND NORTH WEST LONDON",
    "OXFORD HEALTH",
    "SOUTHERN HEALTH",
    "CAMBRIDGESHIRE AND PETERBOROUGH",
    "LANCASHIRE & SOUTH CUMBRIA",
    "MOORFIELDS",
)
FALLBACK_PROVIDERS = ("RBK", "RAL", "R0A", "RTH", "RJ1", "RGT", "RHQ", "RBV", "RPY", "RR8", "RX1", "RTD")
FALLBACK_COMMISSIONERS = ("00L", "02P", "99E", "15N", "92A", "14L", "36L", "18C", "70F", "03Q")


def _query(con: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    try:
        return [r[0] for r in con.execute(sql).fetchall()]
    except duckdb.Error:
        return []


def provider_codes(con: duckdb.DuckDBPyConnection | None = None) -> list[str]:
    """Provider ODS codes that run cancer pathways, sorted."""
    if con is not None:
        codes = _query(
            con,
            """SELECT DISTINCT org_code FROM facts WHERE dataset = 'published' AND basis = 'provider'
               AND org_code <> 'UNKNOWN' ORDER BY 1""",
        ) or _query(con, "SELECT DISTINCT org_code FROM ref_trusts WHERE close_date IS NULL ORDER BY 1")
        if codes:
            return codes
    if TRUSTS_CSV.exists():
        with TRUSTS_CSV.open(encoding="utf-8-sig", newline="") as fh:
            codes = [
                r["Organisation Code"].strip()
                for r in csv.DictReader(fh)
                if r["Organisation Code"].startswith("R")
                and not (r.get("Close Date") or "").strip()
                and not any(word in r["Name"].upper() for word in NOT_CANCER_PROVIDERS)
            ]
        if codes:
            return sorted(set(codes))
    return sorted(FALLBACK_PROVIDERS)


def commissioner_codes(con: duckdb.DuckDBPyConnection | None = None) -> list[str]:
    """Sub-ICB location codes (patients' commissioners), sorted."""
    if con is not None:
        codes = _query(con, "SELECT DISTINCT sub_icb_code FROM ref_sub_icb_lookup ORDER BY 1")
        if codes:
            return codes
    if SUB_ICB_CSV.exists():
        with SUB_ICB_CSV.open(encoding="utf-8-sig", newline="") as fh:
            codes = [r["SICBL22CDH"].strip() for r in csv.DictReader(fh) if r.get("SICBL22CDH")]
        if codes:
            return sorted(set(codes))
    return sorted(FALLBACK_COMMISSIONERS)
