"""The summary matrix and the tiles' changes, worked from the metrics rows of the bundled data."""

from __future__ import annotations

import pytest

from cancerwatch.errors import UsageError
from cancerwatch.queries import MetricQuery, metrics
from cancerwatch.read.context import Reader
from cancerwatch.read.overview import matrix, overview

CHESHIRE_MERSEYSIDE = "E56000005"


@pytest.fixture(scope="module")
def reader(warehouse) -> Reader:
    return Reader(warehouse)


def _rate(rows: list[dict], code: str, month: str) -> float:
    """within / total of one organisation's month, from the metric rows' counts."""
    row = next(r for r in rows if r["org_code"] == code and str(r["period_start"]).startswith(month))
    return row["within_standard"] / row["total"]


def test_a_cell_changes_on_the_previous_month_and_the_same_month_last_year(warehouse, reader):
    rows = metrics(warehouse, MetricQuery("62d", "alliance", "month"))
    july, june, july_before = (_rate(rows, CHESHIRE_MERSEYSIDE, m) for m in ("2025-07", "2025-06", "2024-07"))
    grid = matrix(reader)
    cell = next(r for r in grid.groups["alliance"] if r.org_code == CHESHIRE_MERSEYSIDE).cells["62d"]
    assert cell.row["period_start"].startswith("2025-07")
    assert cell.row["performance"] == pytest.approx(july)
    assert cell.change_month == pytest.approx(july - june)
    assert cell.change_year == pytest.approx(july - july_before)
    assert cell.variation_type is not None and cell.assurance_type is not None


def test_england_tiles_show_the_change(warehouse, reader):
    rows = metrics(warehouse, MetricQuery("fds", "national", "month"))
    view = overview(reader)
    tile = next(t for t in view.tiles if t.standard.id == "fds")
    assert view.latest_month.startswith("2025-07")
    assert tile.change_month == pytest.approx(_rate(rows, "ENG", "2025-07") - _rate(rows, "ENG", "2025-06"))
    assert tile.change_year == pytest.approx(_rate(rows, "ENG", "2025-07") - _rate(rows, "ENG", "2024-07"))


def test_regions_and_the_alliances_of_the_latest_month_are_listed(warehouse, reader):
    grid = matrix(reader)
    latest = warehouse.execute(
        """SELECT count(DISTINCT org_code) FROM organisations WHERE org_type = 'region'"""
    ).fetchone()[0]
    assert len(grid.groups["region"]) == latest == 7
    codes = {r.org_code for r in grid.groups["alliance"]}
    assert "E56000035" in codes  # East of England, one Alliance from April 2024
    assert not codes & {"EOE-NORTH", "EOE-SOUTH", "UNMAPPED"}
    assert len(codes) == 20


def test_sorting_on_a_change_puts_the_largest_first_and_missing_last(reader):
    rows = matrix(reader, "62d:change_year", "desc").groups["alliance"]
    values = [r.cells["62d"].change_year for r in rows]
    present = [v for v in values if v is not None]
    assert present == sorted(present, reverse=True)
    assert values[: len(present)] == present
    names = [r.org_name for r in matrix(reader, "org_name", "desc").groups["alliance"]]
    assert names == sorted(names, key=str.lower, reverse=True)
    with pytest.raises(UsageError):
        matrix(reader, "62d:nonsense")
