"""The vintage rules (``ingest.vintages``), hand-worked on tiny warehouses."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from cancerwatch.ingest.vintages import recompute_current

MONTH = date(2024, 3, 1)


@pytest.fixture
def con(empty_warehouse):
    return empty_warehouse


def source(
    con,
    sid,
    *,
    kind="cwt_provider",
    status=None,
    last=MONTH,
    complete=False,
    grain="provider",
    basis="provider",
    sha=None,
):
    con.execute(
        """INSERT INTO sources (source_id, file_name, sha256, kind, basis, first_month, last_month, months, publication,
                                loaded_at, rows_read, rows_loaded, rows_quarantined, status, complete, grain)
           VALUES (?, ?, ?, ?, ?, ?, ?, '', NULL, ?, 0, 0, 0, ?, ?, ?)""",
        [
            sid,
            f"file{sid}",
            sha or f"{sid:064d}",
            kind,
            basis,
            MONTH,
            last,
            datetime(2026, 1, 1),
            status,
            complete,
            grain,
        ],
    )


def fact(con, sid, org, total=10, basis="provider", month=MONTH):
    con.execute(
        """INSERT INTO facts VALUES (?, 'published', ?, ?, 'fds', ?, 'urgent_suspected_cancer', NULL, 'x',
                                     'fds_suspected', 'fds', ?, ?, 0, NULL)""",
        [sid, basis, month, org, total, total],
    )


def current(con) -> dict[str, int]:
    recompute_current(con)
    rows = con.execute("SELECT org_code, source_id FROM facts WHERE superseded_by IS NULL ORDER BY 1").fetchall()
    return dict(rows)


def test_final_status_beats_later_coverage(con):
    source(con, 1, status=None, last=date(2024, 9, 1))
    source(con, 2, status="final", last=MONTH)
    fact(con, 1, "RX1")
    fact(con, 2, "RX1")
    assert current(con) == {"RX1": 2}


def test_later_coverage_wins_whatever_the_load_order(con):
    source(con, 7, last=date(2024, 6, 1))  # loaded first (lower id) but covers later months
    source(con, 3, last=MONTH)
    fact(con, 7, "RX1")
    fact(con, 3, "RX1")
    assert current(con) == {"RX1": 7}


def test_a_partial_file_supersedes_only_the_organisations_it_has(con):
    source(con, 1, last=MONTH)
    source(con, 2, last=date(2024, 4, 1))
    fact(con, 1, "RX1")
    fact(con, 1, "RX2")
    fact(con, 2, "RX2", total=3)
    assert current(con) == {"RX1": 1, "RX2": 2}
    assert con.execute("SELECT superseded_by FROM facts WHERE source_id = 1 AND org_code = 'RX2'").fetchone() == (2,)


def test_a_complete_publication_drops_organisations_it_does_not_list(con):
    source(con, 1, last=MONTH)
    source(con, 2, kind="cwt_workbook", status="final", complete=True)
    fact(con, 1, "RX1")
    fact(con, 1, "RX9")  # in the provisional extract, not in the final workbook
    fact(con, 2, "RX1")
    assert current(con) == {"RX1": 2}
    assert con.execute("SELECT superseded_by FROM facts WHERE org_code = 'RX9'").fetchone() == (2,)


def test_an_older_complete_publication_does_not_drop_a_newer_partial_file(con):
    source(con, 1, kind="cwt_workbook", status="final", complete=True, last=MONTH)
    source(con, 2, status="final", last=date(2024, 6, 1))
    fact(con, 1, "RX1")
    fact(con, 2, "RX9")
    assert current(con) == {"RX1": 1, "RX9": 2}


def test_one_grain_per_month_the_newest_files(con):
    source(con, 1, kind="cwt_sub_icb", grain="sub_icb", basis="commissioner", last=date(2024, 10, 1))
    source(con, 2, kind="cwt_workbook", grain="icb", basis="commissioner", status="final", complete=True)
    fact(con, 1, "02Q", basis="commissioner")
    fact(con, 1, "01A", basis="commissioner")
    fact(con, 2, "QT1", basis="commissioner")
    assert current(con) == {"QT1": 2}


def test_identical_statements_fall_back_to_a_fixed_order(con):
    source(con, 1, sha="b" * 64)
    source(con, 2, sha="a" * 64)
    fact(con, 1, "RX1")
    fact(con, 2, "RX1")
    assert current(con) == {"RX1": 1}  # the higher SHA-256, not the later load


def test_an_older_national_series_never_replaces_a_newer_one(con):
    source(con, 5, kind="national_series", grain="national", last=date(2023, 9, 1))
    source(con, 9, kind="national_series", grain="national", last=date(2023, 6, 1))  # loaded later, older
    for sid in (5, 9):
        con.execute(
            "INSERT INTO national_series VALUES (?, 'month', DATE '2023-04-01', '2023-04', '2ww', 10, 9, 1, NULL)",
            [sid],
        )
    recompute_current(con)
    assert con.execute("SELECT source_id FROM national_series WHERE superseded_by IS NULL").fetchall() == [(5,)]
