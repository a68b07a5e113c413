"""Programme-budgeting spend and the GDP deflator series."""

from __future__ import annotations

import pytest

from cancerwatch.errors import InputError
from cancerwatch.ingest.load import load_files

from .conftest import DATA, quarantine

SPEND = DATA / "programme_budgeting.csv"
DEFLATOR = DATA / "gdp_deflator.csv"


def test_spend_per_head_in_cash(geo_warehouse):
    [r] = load_files(geo_warehouse, [SPEND])
    assert (r.kind, r.rows_read, r.rows_loaded, r.rows_quarantined) == ("programme_budgeting", 8, 4, 4)
    rows = geo_warehouse.execute(
        """SELECT strftime(period_start, '%Y-%m-%d'), org_code, org_level, numerator, denominator, value
           FROM indicator_values ORDER BY org_code, period_start"""
    ).fetchall()
    assert rows == [
        ("2011-04-01", "01F", "sub_icb", 12_500_000.0, 125_000.0, 100.0),  # £000s × 1,000
        ("2012-04-01", "01F", "sub_icb", 13_125_000.0, 125_000.0, 105.0),
        ("2011-04-01", "ENG", "national", 5_350_000_000.0, 53_500_000.0, 100.0),  # "2011-12" accepted
        ("2012-04-01", "ENG", "national", 5_659_500_000.0, 53_900_000.0, 105.0),
    ]
    assert quarantine(geo_warehouse, SPEND.name) == [
        (4, "Programme", "not used: programme '01 Infectious Diseases' is not cancer (programme 02)"),
        (7, "Expenditure (£000)", "Expenditure (£000) is empty"),
        (8, "Population", "Population is 0: no spend per head"),
        (9, "Year", "Year '2013/15' is not a financial year (the years are not consecutive)"),
    ]


def test_missing_expenditure_column(geo_warehouse):
    with pytest.raises(InputError) as err:
        load_files(geo_warehouse, [DATA / "spend_missing_expenditure.csv"])
    assert str(err.value) == (
        "spend_missing_expenditure.csv, row 1, column 'Expenditure (£)': missing column 'Expenditure (£)' "
        "(or 'Expenditure (£000)'), found: Year, Org code, Org name, Programme, Spend, Population"
    )


def test_deflator_below_title_lines(geo_warehouse):
    [r] = load_files(geo_warehouse, [DEFLATOR])
    assert (r.kind, r.rows_read, r.rows_loaded, r.rows_quarantined) == ("gdp_deflator", 4, 3, 1)
    rows = geo_warehouse.execute("SELECT year_label, deflator FROM deflator_series ORDER BY year_start").fetchall()
    assert rows == [("2011/12", 80.0), ("2012/13", 84.0), ("2022/23", 100.0)]
    assert quarantine(geo_warehouse, DEFLATOR.name) == [
        (
            8,
            "Financial year",
            "Financial year 'Notes: financial years run April to March' is not a financial year (use e.g. 2012/13)",
        )
    ]


def test_a_new_deflator_vintage_replaces_the_old(geo_warehouse, tmp_path):
    load_files(geo_warehouse, [DEFLATOR])
    newer = tmp_path / "deflator_newer.csv"
    newer.write_text("Year,GDP deflator (2023-24=100)\n2012/13,80.0\n2023/24,100.0\n", encoding="utf-8")
    load_files(geo_warehouse, [newer])
    rows = geo_warehouse.execute("SELECT year_label, deflator FROM deflator_series ORDER BY year_start").fetchall()
    assert rows == [("2012/13", 80.0), ("2023/24", 100.0)]
