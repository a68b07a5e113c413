"""Fixtures of the read-layer tests: apps and readers over copies of the bundled warehouse.

``record_db`` adds a small hand-made record-level pathway file (with one row that is quarantined),
so that figures computed from record-level data, and their disclosure control, can be tested on
every output. Memos are shared across viewers, as a server shares them: they hold unrounded
figures only.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest

from cancerwatch.ingest.load import load_files
from cancerwatch.ingest.readers.pathway_checks import COLUMNS
from cancerwatch.warehouse.connect import open_duckdb
from cancerwatch.warehouse.pool import DictMemo
from tests.web.conftest import API_TOKEN, copy_warehouse, make_client

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
RECORD_MONTH = date(2024, 5, 1)
PATHWAY_FILE = "alliance_pathways.csv"

# (first provider, commissioner, pathways, told within 28 days, staged at 1-2, of those staged)
RECORD_UNITS = [
    ("RBQ", "01F", 12, 9, 4, 9),
    ("REN", "01J", 5, 3, 1, 3),
    ("R0A", "01T", 30, 24, 11, 20),
]


def _pathway(pid: str, provider: str, commissioner: str, within: bool, stage: str) -> dict:
    told = RECORD_MONTH + timedelta(days=3)
    referral = told - timedelta(days=20 if within else 35)
    return {
        "pathway_id": pid,
        "patient_id": f"P{pid}",
        "route": "urgent_suspected_cancer",
        "referral_date": referral.isoformat(),
        "commissioner_code": commissioner,
        "first_provider_code": provider,
        "tumour_group": "Lung",
        "fds_end_date": told.isoformat(),
        "fds_outcome": "cancer_confirmed",
        "decision_to_treat_date": "",
        "treatment_date": "",
        "treatment_kind": "",
        "treatment_modality": "",
        "treating_provider_code": "",
        "ipt_date": "",
        "first_seen_adjustment_days": "0",
        "treatment_adjustment_days": "0",
        "stage": stage,
        "emergency_presentation": "false",
    }


def pathway_rows() -> list[dict]:
    """The hand-made pathways of :data:`RECORD_UNITS` (all told their diagnosis in May 2024)."""
    rows = []
    for provider, commissioner, n, within, early, staged in RECORD_UNITS:
        for i in range(n):
            stage = "1" if i < early else ("3" if i < staged else "")
            rows.append(_pathway(f"{provider}{i:03d}", provider, commissioner, i < within, stage))
    return rows


@pytest.fixture(scope="session")
def record_db(warehouse_path, tmp_path_factory) -> Path:
    """The bundled warehouse plus :func:`pathway_rows` and one row with an impossible referral date."""
    folder = tmp_path_factory.mktemp("record")
    path = copy_warehouse(warehouse_path, folder, "record.duckdb")
    rows = pathway_rows()
    bad = {**rows[0], "pathway_id": "BAD1", "referral_date": "2024-13-45"}
    csv_path = folder / PATHWAY_FILE
    with csv_path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=[c for c, _ in COLUMNS])
        writer.writeheader()
        writer.writerows([*rows, bad])
    con = open_duckdb(path)
    try:
        [result] = load_files(con, [csv_path])
        assert (result.rows_read, result.rows_quarantined) == (len(rows) + 1, 1)
    finally:
        con.close()
    return path


@pytest.fixture(scope="session")
def record_con(record_db):
    con = open_duckdb(record_db, read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def shared_memo() -> DictMemo:
    """One memo for every reader of the session (unrounded figures, shared across viewers)."""
    return DictMemo()


@pytest.fixture(scope="session")
def internal(record_db):
    """The internal app (a token is configured: bearer requests may see record-level figures)."""
    with make_client(record_db) as c:
        yield c


@pytest.fixture(scope="session")
def public(record_db):
    """The public app over the same warehouse."""
    with make_client(record_db, public=True) as c:
        yield c
