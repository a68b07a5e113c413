"""Workforce statistics (vacancy rates by staff group) and the Alliance workforce register."""

from __future__ import annotations

import pytest

from cancerwatch.errors import InputError
from cancerwatch.ingest.load import load_files

from .conftest import DATA, quarantine

STATS = DATA / "workforce_statistics.csv"
REGISTER = DATA / "alliance_workforce_register.csv"


def test_vacancy_rates(geo_warehouse):
    [r] = load_files(geo_warehouse, [STATS])
    assert (r.kind, r.rows_read, r.rows_loaded, r.rows_quarantined) == ("workforce_statistics", 12, 6, 6)
    rows = geo_warehouse.execute(
        """SELECT indicator_id, org_code, org_level, numerator, denominator, value FROM indicator_values
           ORDER BY indicator_id, org_code"""
    ).fetchall()
    assert rows == [
        ("cns_vacancy_rate", "ENG", "national", 300.0, 3300.0, 300 / 3300),  # "3,000.0" in post; Mar-24
        ("cns_vacancy_rate", "RBQ", "provider", 4.0, 20.0, 0.2),  # vacancies only
        ("cns_vacancy_rate", "RBV", "provider", 10.0, 100.0, 0.1),  # establishment only
        ("cns_vacancy_rate", "REN", "provider", 5.0, 50.0, 0.1),  # both, consistent
        ("diagnostic_radiographer_vacancy_rate", "RBN", "provider", 4.5, 43.0, 4.5 / 43),
        ("therapeutic_radiographer_vacancy_rate", "REN", "provider", 8.0, 128.0, 0.0625),
    ]


def test_quarantine_reasons(geo_warehouse):
    load_files(geo_warehouse, [STATS])
    assert quarantine(geo_warehouse, STATS.name) == [
        (7, "Establishment FTE", "Establishment FTE 40 is not FTE in post + FTE vacancies (33)"),
        (8, "Staff group", "not used: staff group 'Healthcare assistant' is not in the catalogue"),
        (9, "FTE in post", "FTE in post 'abc' is not a number"),
        (10, "Establishment FTE", "FTE in post 12 exceeds Establishment FTE 10: no vacancy rate"),
        (11, "Period", "Period '2024-13' is not a month (use e.g. 2024-03)"),
        (12, "Staff group", "duplicate of row 3 (same staff group, month and organisation)"),
    ]


def test_missing_column(geo_warehouse):
    with pytest.raises(InputError) as err:
        load_files(geo_warehouse, [DATA / "workforce_missing_fte.csv"])
    assert str(err.value) == (
        "workforce_missing_fte.csv, row 1, column 'FTE in post': missing column 'FTE in post' "
        "(expected the NHS workforce statistics by organisation layout: Period, Org code, Staff group, FTE in post)"
    )


def test_alliance_register(geo_warehouse):
    [r] = load_files(geo_warehouse, [REGISTER])
    assert (r.kind, r.rows_read, r.rows_loaded, r.rows_quarantined) == ("alliance_workforce_register", 8, 4, 4)
    rows = geo_warehouse.execute(
        """SELECT alliance_code, team_posts_funded, team_posts_filled, workforce_plan_published,
                  strftime(as_of, '%Y-%m-%d'), source
           FROM alliance_workforce_register ORDER BY alliance_code, as_of"""
    ).fetchall()
    assert rows == [
        ("E56000005", 22.0, 18.0, False, "2023-03-31", "Alliance workforce return Q4 2022/23"),
        ("E56000005", 24.0, 21.0, True, "2024-03-31", "Alliance workforce return Q4 2023/24"),
        ("E56000032", 30.0, 30.0, False, "2024-03-31", "alliance_workforce_register.csv"),
        ("EOE-NORTH", 12.0, 9.0, True, "2024-03-31", "Alliance workforce return Q4 2023/24"),
    ]
    assert quarantine(geo_warehouse, REGISTER.name) == [
        (6, "Alliance code", "Alliance code 'E56999999' is not in catalogue/alliances.csv"),
        (7, "Team posts filled", "Team posts filled 12 exceeds posts funded 10"),
        (8, "Workforce plan published", "Workforce plan published 'maybe' is not yes/no"),
        (9, "As of", "As of '31 March 2024' is not a date (use YYYY-MM-DD)"),
    ]


def test_a_later_register_replaces_the_same_alliance_and_date(geo_warehouse, tmp_path):
    load_files(geo_warehouse, [REGISTER])
    update = tmp_path / "register_update.csv"
    update.write_text(
        "Alliance code,Team posts funded,Team posts filled,Workforce plan published,As of\n"
        "E56000005,24,23,yes,2024-03-31\n",
        encoding="utf-8",
    )
    load_files(geo_warehouse, [update])
    rows = geo_warehouse.execute(
        """SELECT team_posts_filled, source FROM alliance_workforce_register
           WHERE alliance_code = 'E56000005' AND as_of = DATE '2024-03-31'"""
    ).fetchall()
    assert rows == [(23.0, "register_update.csv")]
    assert geo_warehouse.execute("SELECT count(*) FROM alliance_workforce_register").fetchone()[0] == 4
