"""DM01 on the bundled NHS England files: England equals each file's Total row, providers equal
the file's cells, regions and every other level add up, and independent providers are placed."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import fastexcel
import pytest

from cancerwatch.catalogue.diagnostics import ALL_TESTS, dm01_name_to_test, normalise_test_name
from cancerwatch.diagnostics_queries import DiagnosticsQuery, capacity_and_backlog, diagnostics
from tests.conftest import DM01_FILES

JULY_2025 = date(2025, 7, 1)
MEASURES = ("waiting_list", "waiting_6plus", "waiting_13plus", "planned_activity", "unscheduled_activity")
HEADINGS = (
    "Total Waiting List",
    "Number waiting 6+ Weeks",
    "Number waiting 13+ Weeks",
    "Planned tests / procedures",
    "Unscheduled tests / procedures",
    "Waiting list tests / procedures (excluding planned)",
)


def _sheet(path, name):
    t = fastexcel.read_excel(str(path)).load_sheet(name, header_row=None, dtypes="string").to_arrow()
    return [list(r) for r in zip(*[c.to_pylist() for c in t.columns], strict=True)]


def _file_month(rows) -> date:
    from datetime import datetime

    label = next(r[1] for r in rows if r[0] == "Period:")
    d = datetime.strptime(label, "%B %Y").date()
    return date(d.year, d.month, 1)


def _columns(rows):
    header = next(r for r in rows if "Provider Code" in r)
    return header, {h: header.index(h) for h in HEADINGS}


@pytest.mark.parametrize(
    "path", DM01_FILES, ids=lambda p: p.stem.removeprefix("Monthly-Diagnostics-Web-File-Provider-")
)
def test_england_equals_the_total_row(warehouse, path):
    rows = _sheet(path, "Provider")
    _, col = _columns(rows)
    total = next(r for r in rows if r[3] == "Total" and not r[2])
    month = _file_month(rows)
    eng = diagnostics(warehouse, DiagnosticsQuery(tests=(ALL_TESTS,), date_from=month, date_to=month))
    assert len(eng) == 1
    got = eng[0]
    assert [got[m] for m in (*MEASURES, "waiting_list_activity")] == [int(total[col[h]]) for h in HEADINGS]
    assert got["share_6plus"] == pytest.approx(float(total[7]), abs=1e-9)  # the published percentage


@pytest.mark.parametrize(
    "path", DM01_FILES[:3], ids=lambda p: p.stem.removeprefix("Monthly-Diagnostics-Web-File-Provider-")
)
def test_england_per_test_is_the_sum_of_the_providers_rows(warehouse, path):
    rows = _sheet(path, "Provider by Test")
    header, col = _columns(rows)
    name_at = header.index("Diagnostic Test Name")
    by_test = defaultdict(int)
    for r in rows[rows.index(header) + 1 :]:
        if r[2] and r[name_at] != "Total":
            by_test[dm01_name_to_test()[normalise_test_name(r[name_at])]] += int(r[col["Total Waiting List"]])
    month = _file_month(rows)
    eng = diagnostics(warehouse, DiagnosticsQuery(tests=tuple(by_test), date_from=month, date_to=month))
    assert {r["test"]: r["waiting_list"] for r in eng} == dict(by_test)


# Hand-checked against Monthly-Diagnostics-Web-File-Provider-July-2025, sheet "Provider by Test":
# waiting list, 6+ weeks, 13+ weeks, planned, unscheduled, waiting-list tests.
HAND_CHECKED = [
    ("RF4", "mri", (3210, 153, 32, 213, 813, 3956)),  # Barking, Havering and Redbridge, MRI
    ("RF4", "ct", (1381, 95, 13, 338, 1787, 6823)),  # Barking, Havering and Redbridge, CT
    ("RCB", "colonoscopy", (1215, 613, 425, 135, 0, 282)),  # York and Scarborough, colonoscopy
    ("RCB", "cystoscopy", (240, 62, 28, 17, 0, 245)),  # York and Scarborough, cystoscopy
    ("R1H", ALL_TESTS, (34822, 7950, 2387, 5226, 15466, 24642)),  # Barts Health, sheet "Provider"
]


@pytest.mark.parametrize(("org", "test", "expected"), HAND_CHECKED)
def test_provider_figures_are_the_files(warehouse, org, test, expected):
    q = DiagnosticsQuery(level="provider", org=org, tests=(test,), date_from=JULY_2025, date_to=JULY_2025)
    (row,) = diagnostics(warehouse, q)
    assert tuple(row[m] for m in (*MEASURES, "waiting_list_activity")) == expected
    assert row["total_activity"] == sum(expected[3:])
    assert row["met"] is (expected[1] / expected[0] <= 0.01)


def _by_month(name: str):
    return next(p for p in DM01_FILES if name in p.name)


@pytest.mark.parametrize("month_file", ["August-2024", "June-2025", "July-2025"])
@pytest.mark.parametrize("region", ["Y56", "Y59", "Y61", "Y63"])
def test_region_equals_the_sum_of_its_providers_in_the_file(warehouse, month_file, region):
    """Including Pioneer Healthcare (NEY), which DM01 places in North East and Yorkshire (Y63) to June
    2025 and in the South East (Y59) from July 2025: each region counts it for its own months."""
    rows = _sheet(_by_month(month_file), "Provider")
    _, col = _columns(rows)
    month = _file_month(rows)
    members = [r for r in rows if r[0] == region and r[2]]
    q = DiagnosticsQuery(level="region", org=region, tests=(ALL_TESTS,), date_from=month, date_to=month)
    (got,) = diagnostics(warehouse, q)
    assert got["waiting_list"] == sum(int(r[col["Total Waiting List"]]) for r in members)
    assert got["waiting_6plus"] == sum(int(r[col["Number waiting 6+ Weeks"]]) for r in members)
    assert got["providers"] == len(members)


def test_pioneer_healthcare_moves_region_in_july_2025():
    june = {r[2]: r[0] for r in _sheet(_by_month("June-2025"), "Provider")}
    july = {r[2]: r[0] for r in _sheet(_by_month("July-2025"), "Provider")}
    assert (june["NEY"], july["NEY"]) == ("Y63", "Y59")


@pytest.mark.parametrize("level", ["region", "alliance", "icb", "provider"])
def test_every_level_adds_up_to_england(warehouse, level):
    q = DiagnosticsQuery(level=level, tests=("ct", "colonoscopy", ALL_TESTS))
    eng = {(r["period_start"], r["test"]): r for r in diagnostics(warehouse, DiagnosticsQuery(tests=q.tests))}
    sums = defaultdict(lambda: [0, 0, 0])
    for r in diagnostics(warehouse, q):
        s = sums[(r["period_start"], r["test"])]
        s[0], s[1], s[2] = s[0] + r["waiting_list"], s[1] + r["waiting_6plus"], s[2] + r["total_activity"]
    assert {k: tuple(v) for k, v in sums.items()} == {
        k: (r["waiting_list"], r["waiting_6plus"], r["total_activity"]) for k, r in eng.items()
    }
    assert len(eng) == 12 * 3


def test_every_provider_is_in_a_region_and_independent_ones_are_not_mapped_to_an_alliance(warehouse):
    q = DiagnosticsQuery(level="region", tests=(ALL_TESTS,), date_from=JULY_2025, date_to=JULY_2025)
    assert "UNMAPPED" not in {r["org_code"] for r in diagnostics(warehouse, q)}
    q = DiagnosticsQuery(level="provider", org="NT405", tests=(ALL_TESTS,), date_from=JULY_2025, date_to=JULY_2025)
    assert diagnostics(warehouse, q)[0]["org_name"] == "Bishops Wood Hospital"
    alliances = diagnostics(warehouse, replace_level(q, "alliance"))
    unmapped = next(r for r in alliances if r["org_code"] == "UNMAPPED")
    assert unmapped["org_name"].startswith("Not mapped to a Cancer Alliance")


def replace_level(q: DiagnosticsQuery, level: str) -> DiagnosticsQuery:
    return DiagnosticsQuery(level=level, tests=q.tests, date_from=q.date_from, date_to=q.date_to)


def test_capacity_and_backlog_per_alliance_test_and_month(warehouse):
    rows = capacity_and_backlog(warehouse, "E56000005", tests=("ct",))
    assert len(rows) == 12
    detail = diagnostics(warehouse, DiagnosticsQuery(level="alliance", org="E56000005", tests=("ct",)))
    assert [(r["activity"], r["backlog"]) for r in rows] == [(d["total_activity"], d["waiting_list"]) for d in detail]
