"""Tumour groups across the October 2023 reclassification, and rolling 12-month periods."""

from __future__ import annotations

from datetime import date

import pytest

from cancerwatch.errors import NoData
from cancerwatch.ingest.load import load_files
from cancerwatch.queries import MetricQuery, metrics
from tests.unit.ingest.conftest import provider_row, write_csv


def _row(period, cancer, total, within):
    return provider_row(
        period=period,
        standard="62-day Combined",
        route="Urgent Suspected Cancer",
        modality="ALL MODALITIES",
        cancer=cancer,
        total=total,
        within=within,
        breaches=str(float(total) - float(within)),
    )


def _modality(period, total, within):
    return provider_row(
        period=period,
        standard="62-day Combined",
        route="Urgent Suspected Cancer",
        modality="Surgery",
        cancer="ALL CANCERS",
        total=total,
        within=within,
        breaches=str(float(total) - float(within)),
    )


def test_legacy_scheme_rolls_new_groups_up_and_conserves_totals(empty_warehouse, tmp_path):
    rows = [
        _row("2023-09-01", "Urological", "10", "6"),
        _modality("2023-09-01", "10", "6"),
        _row("2023-10-01", "Urological - Prostate", "7", "4"),
        _row("2023-10-01", "Urological - Other (a)", "4.5", "3.5"),
        _modality("2023-10-01", "11.5", "7.5"),
    ]
    load_files(empty_warehouse, [write_csv(tmp_path / "p.csv", rows)])
    q = MetricQuery(standard="62d", level="provider", by="cancer_type")
    published = metrics(empty_warehouse, q)
    legacy = metrics(
        empty_warehouse, MetricQuery(standard="62d", level="provider", by="cancer_type", tumour_scheme="legacy")
    )
    assert sorted((r["period_label"], r["cancer_type"]) for r in published) == [
        ("2023-09", "Urological"),
        ("2023-10", "Urological - Other (a)"),
        ("2023-10", "Urological - Prostate"),
    ]
    assert [(r["period_label"], r["cancer_type"], r["total"], r["within_standard"]) for r in legacy] == [
        ("2023-09", "Urological", 10.0, 6.0),
        ("2023-10", "Urological", 11.5, 7.5),
    ]
    assert sum(r["total"] for r in legacy) == sum(r["total"] for r in published)


def test_rolling_twelve_months_equals_the_financial_year(warehouse):
    rows = metrics(
        warehouse, MetricQuery(standard="2ww", period="rolling12", date_from=date(2023, 3, 1), date_to=date(2023, 3, 1))
    )
    year = metrics(
        warehouse, MetricQuery(standard="2ww", period="year", date_from=date(2022, 4, 1), date_to=date(2023, 3, 1))
    )
    assert [(r["period_label"], r["total"], r["within_standard"]) for r in rows] == [
        ("12 months to 2023-03", year[0]["total"], year[0]["within_standard"])
    ]
    assert rows[0]["period_start"] == "2022-04-01" and rows[0]["months"] == 12


def test_rolling_needs_twelve_months(warehouse):
    """A window is given only where all twelve of its months are loaded. An Alliance has monthly
    figures from April 2023 to July 2025 (28 months), so its first window ends March 2024 and it
    has 17 (hand count); before that, none."""
    rows = metrics(warehouse, MetricQuery(standard="fds", level="alliance", period="rolling12", org="E56000005"))
    assert [r["period_label"] for r in rows][:1] == ["12 months to 2024-03"]
    assert len(rows) == 17 and all(r["months"] == 12 for r in rows)
    with pytest.raises(NoData):
        metrics(
            warehouse,
            MetricQuery(standard="fds", level="alliance", period="rolling12", date_to=date(2024, 2, 1)),
        )
