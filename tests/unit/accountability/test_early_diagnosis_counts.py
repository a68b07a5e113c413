"""Early diagnosis from record-level pathways, hand-worked: the definitions of
``accountability/quality_premium.py`` (docs/methods.md, "Quality Premium") and the one roll-up rule
of every figure (``metrics.performance.attach_level``: the organisation structure on the date of
diagnosis; no parent there is ``UNMAPPED``)."""

from __future__ import annotations

from datetime import date

import pytest

from cancerwatch.accountability.quality_premium import early_diagnosis
from cancerwatch.warehouse.connect import open_duckdb

# sub-ICB 01A belonged to East of England - North until March 2024, then to E56000035
ROLLUP = [
    ("commissioner", "01A", "alliance", "EOE-NORTH", date(2020, 4, 1), date(2024, 3, 31)),
    ("commissioner", "01A", "alliance", "E56000035", date(2024, 4, 1), None),
]
# pathway id, commissioner, FDS end, FDS outcome, treatment date, treatment kind, stage, emergency
PATHWAYS = [
    ("p1", "01A", date(2024, 3, 15), "cancer_confirmed", None, None, "1", False),  # 2023/24, EOE-NORTH
    ("p2", "01A", date(2024, 4, 2), "cancer_confirmed", None, None, "3", True),  # 2024/25, E56000035
    ("p3", "01A", None, "cancer_ruled_out", date(2024, 5, 1), "first", None, None),  # first treatment
    ("p4", "01A", None, "cancer_confirmed", date(2024, 6, 1), "first", "2", False),  # no FDS end: treatment date
    ("p5", "99Z", date(2023, 5, 1), "cancer_confirmed", None, None, "X", None),  # no parent: UNMAPPED
    ("p6", "01A", date(2024, 5, 1), "cancer_ruled_out", None, None, None, None),  # not a cancer
    ("p7", "01A", None, None, date(2024, 7, 1), "subsequent", "2", False),  # a subsequent treatment only
]


@pytest.fixture
def con(tmp_path):
    c = open_duckdb(tmp_path / "early.duckdb")
    c.executemany("INSERT INTO org_rollup VALUES (?, ?, ?, ?, ?, ?)", ROLLUP)
    for pid, comm, fds_end, outcome, treated, kind, stage, emergency in PATHWAYS:
        c.execute(
            """INSERT INTO pathways (source_id, pathway_id, route, referral_date, commissioner_code, fds_end_date,
                                     fds_outcome, treatment_date, treatment_kind, stage, emergency_presentation)
               VALUES (1, ?, 'urgent_suspected_cancer', DATE '2023-04-01', ?, ?, ?, ?, ?, ?, ?)""",
            [pid, comm, fds_end, outcome, treated, kind, stage, emergency],
        )
    yield c
    c.close()


def test_counts_per_alliance_and_financial_year(con):
    rows = {(r["org_code"], r["year"]): r for r in early_diagnosis(con, level="alliance")}
    assert set(rows) == {("EOE-NORTH", "2023/24"), ("E56000035", "2024/25"), ("UNMAPPED", "2023/24")}
    north = rows[("EOE-NORTH", "2023/24")]
    assert (north["diagnosed"], north["staged"], north["early"], north["emergency_presentations"]) == (1, 1, 1, 0)
    assert north["early_diagnosis_rate"] == 1.0 and north["emergency_presentation_rate"] == 0.0
    merged = rows[("E56000035", "2024/25")]  # p2, p3, p4
    assert (merged["diagnosed"], merged["staged"], merged["early"]) == (3, 2, 1)
    assert merged["early_diagnosis_rate"] == 0.5 and merged["stage_completeness"] == pytest.approx(2 / 3)
    assert merged["emergency_presentations"] == 1 and merged["emergency_presentation_rate"] == 0.5  # p2 of p2, p4
    unmapped = rows[("UNMAPPED", "2023/24")]
    assert (unmapped["diagnosed"], unmapped["staged"]) == (1, 0)
    assert unmapped["early_diagnosis_rate"] is None and unmapped["stage_completeness"] == 0.0
    assert unmapped["emergency_presentation_rate"] is None


def test_the_level_is_checked(con):
    from cancerwatch.errors import UsageError

    with pytest.raises(UsageError, match="unknown level"):
        early_diagnosis(con, level="provider")
