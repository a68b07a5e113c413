"""The digest of changes, worked from the bundled data's metric rows, facts and sources."""

from __future__ import annotations

import pytest

from cancerwatch.errors import UsageError
from cancerwatch.periods import parse_month
from cancerwatch.queries import MetricQuery, metrics
from cancerwatch.read.changes import MOVERS_PER_LEVEL, changes
from cancerwatch.read.context import Reader
from cancerwatch.read.escalation import escalated_until, escalation_table

LEVELS = ("national", "alliance")


@pytest.fixture(scope="module")
def reader(warehouse) -> Reader:
    return Reader(warehouse)


@pytest.fixture(scope="module")
def digest(reader):
    return changes(reader, levels=LEVELS)


def _month_rows(warehouse, sid: str, level: str, month: str) -> dict[str, dict]:
    rows = metrics(warehouse, MetricQuery(sid, level, "month"))
    return {r["org_code"]: r for r in rows if str(r["period_start"]).startswith(month) and r["org_code"] != "UNMAPPED"}


def _met(row: dict) -> bool:
    """Met: within / total at least the threshold in force (equal meets it)."""
    return row["within_standard"] / row["total"] >= row["threshold"]


def test_the_latest_load_is_july_2025_against_june(digest):
    assert (digest.month, digest.baseline) == ("2025-07", "2025-06")
    files = {r["file_name"] for r in digest.loads}
    assert {
        "JULY-2025-CWT-CRS-PROVIDER-WORKBOOK-FINAL.xlsx",
        "JULY-2025-CWT-CRS-COMMISSIONER-WORKBOOK-FINAL.xlsx",
    } <= files
    assert all(r["last_month"] == "2025-07" for r in digest.loads)


@pytest.mark.parametrize("sid", ["fds", "31d", "62d"])
def test_standards_newly_met_and_missed(warehouse, digest, sid):
    now, then = _month_rows(warehouse, sid, "alliance", "2025-07"), _month_rows(warehouse, sid, "alliance", "2025-06")
    both = [c for c in now if c in then and now[c]["total"] and then[c]["total"]]
    met = {c for c in both if _met(now[c]) and not _met(then[c])}
    missed = {c for c in both if _met(then[c]) and not _met(now[c])}
    found = {
        k: {c.org_code for c in digest.changes if c.kind == k and c.standard == sid and c.level == "alliance"}
        for k in ("met", "missed")
    }
    assert found == {"met": met, "missed": missed}
    if sid == "fds":
        assert met and missed, "in July 2025 some Alliances crossed the FDS standard each way"


@pytest.mark.parametrize("sid", ["fds", "62d"])
def test_largest_movers_on_the_same_month_last_year(warehouse, digest, sid):
    now, before = _month_rows(warehouse, sid, "alliance", "2025-07"), _month_rows(warehouse, sid, "alliance", "2024-07")
    moved = sorted(
        (
            (abs(now[c]["within_standard"] / now[c]["total"] - before[c]["within_standard"] / before[c]["total"]), c)
            for c in now
            if c in before and now[c]["total"] >= 20 and before[c]["total"] >= 20
        ),
        key=lambda m: (-m[0], m[1]),
    )
    expected = [c for _, c in moved[:MOVERS_PER_LEVEL]]
    found = [c.org_code for c in digest.changes if c.kind == "mover" and c.standard == sid and c.level == "alliance"]
    assert sorted(found) == sorted(expected)
    entry = next(c for c in digest.changes if c.kind == "mover" and c.standard == sid and c.org_code == expected[0])
    assert entry.href == f"/alliance/{expected[0]}?standard={sid}"


def _below_5_of_6(rows: list[dict], code: str, last: str) -> bool:
    """Below the threshold in at least 5 of the 6 months to ``last`` (months with 20 or more patients)."""
    months = sorted({str(r["period_start"])[:7] for r in rows if str(r["period_start"])[:7] <= last})[-6:]
    own = {str(r["period_start"])[:7]: r for r in rows if r["org_code"] == code}
    counted = [own[m] for m in months if m in own and own[m]["total"] >= 20]
    return sum(1 for r in counted if r["within_standard"] / r["total"] < r["threshold"]) >= 5


def test_escalations_started_and_ended(warehouse, reader, digest):
    rule = "below_threshold_5_of_6_months"
    description = "Below the operational threshold in at least 5 of the last 6 months"
    for sid in ("fds", "31d", "62d"):
        rows = [r for r in metrics(warehouse, MetricQuery(sid, "alliance", "month")) if r["org_code"] != "UNMAPPED"]
        codes = {r["org_code"] for r in rows if str(r["period_start"]).startswith("2025-07")}
        now = {c for c in codes if _below_5_of_6(rows, c, "2025-07")}
        then = {c for c in codes if _below_5_of_6(rows, c, "2025-06")}
        fired = {e.org_code for e in escalation_table(reader, sid, "alliance", rule).items}
        assert escalated_until(reader, sid, "alliance", rule, parse_month("2025-07")) == now == fired
        entries = [c for c in digest.changes if c.standard == sid and description in c.summary]
        assert {c.org_code for c in entries if c.kind == "escalated"} == now - then
        assert {c.org_code for c in entries if c.kind == "de_escalated"} == then - now


def test_signals_are_new_special_causes(digest):
    signals = [c for c in digest.changes if c.kind == "signal"]
    assert signals
    for c in signals:
        assert str(c.after).startswith("special_cause") and c.after != c.before


def test_revisions_are_the_july_workbooks_revising_the_extract(warehouse, digest):
    old, new = warehouse.execute(
        """SELECT sum(f.total) FILTER (WHERE s.file_name LIKE 'CWT-CRS-Apr-2025-to-Jul-2025%'),
                  sum(f.total) FILTER (WHERE s.file_name = 'JULY-2025-CWT-CRS-PROVIDER-WORKBOOK-FINAL.xlsx')
           FROM facts f JOIN sources s USING (source_id)
           WHERE f.standard = 'fds' AND f.period = DATE '2025-07-01' AND f.basis = 'provider'
             AND f.dataset = 'published' AND f.breakdown <> 'modality'"""
    ).fetchone()
    entry = next(c for c in digest.changes if c.kind == "revision" and c.standard == "fds" and c.month == "2025-07")
    assert (entry.org_code, entry.href) == ("ENG", "/data#revisions")
    assert (entry.before, entry.after) == (pytest.approx(old), pytest.approx(new))
    assert old != new


def test_since_a_source_compares_with_the_last_month_it_held(warehouse, reader):
    source = warehouse.execute(
        "SELECT source_id FROM sources WHERE file_name = ?",
        ["CWT-CRS-Apr-2024-to-Sep-2024-Data-Extract-Provider-Final.xlsx"],
    ).fetchone()[0]
    held = warehouse.execute(
        """SELECT strftime(max(period), '%Y-%m') FROM facts WHERE dataset = 'published' AND source_id <= ?""", [source]
    ).fetchone()[0]
    d = changes(reader, since=str(source), levels=("alliance",))
    assert (d.month, d.baseline) == ("2025-07", held)
    assert all(r["source_id"] > source for r in d.loads)
    assert any(c.kind == "met" for c in d.changes)


def test_since_a_month_and_one_organisation(reader):
    d = changes(reader, since="2025-05", org="e56000005", levels=("alliance",))
    assert (d.month, d.baseline) == ("2025-07", "2025-05")
    assert {c.org_code for c in d.changes} <= {"E56000005"}
    assert all(r["last_month"] > "2025-05" for r in d.loads)


@pytest.mark.parametrize("since", ["nonsense", "99999", "2025-13"])
def test_a_bad_since_is_a_usage_error(reader, since):
    with pytest.raises(UsageError):
        changes(reader, since=since, levels=("alliance",))
