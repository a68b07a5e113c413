"""Loader invariants on random extracts (Hypothesis): rows read = loaded + quarantined; loading
twice = loading once; a revision supersedes exactly the months it covers."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cancerwatch.ingest.load import load_files
from cancerwatch.warehouse.connect import open_duckdb

HEADER = [
    "PERIOD",
    "YEAR",
    "MONTH",
    "STANDARD",
    "ORG CODE",
    "STAGE/ROUTE",
    "TREATMENT MODALITY",
    "CANCER TYPE",
    "TOTAL TREATED",
    "WITHIN STANDARD",
    "BREACHES",
]

counts = st.one_of(st.integers(0, 500).map(str), st.sampled_from(["-3", "x", "", "2.25", "7.5"]))
rows = st.lists(
    st.tuples(
        st.sampled_from(["2023-04-01", "2023-05-01", "2023-06-01", "bad"]),
        st.sampled_from(["RBK", "RAL", "R0A", "NT4"]),
        st.sampled_from(["Suspected lung cancer", "Suspected breast cancer", "Missing or Invalid"]),
        counts,
        counts,
        counts,
    ),
    min_size=1,
    max_size=40,
)


def _write(path: Path, data) -> Path:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for period, org, cancer, total, within, breaches in data:
            w.writerow(
                [
                    period,
                    "2023/24",
                    "APR",
                    "28-day FDS",
                    org,
                    "URGENT SUSPECTED CANCER",
                    "",
                    cancer,
                    total,
                    within,
                    breaches,
                ]
            )
    return path


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=rows)
def test_rows_reconcile_and_reload_is_a_no_op(data):
    with tempfile.TemporaryDirectory() as d:
        con = open_duckdb(Path(d) / "w.duckdb")
        f = _write(Path(d) / "x.csv", data)
        [r] = load_files(con, [f])
        assert r.rows_read == len(data) == r.rows_loaded + r.rows_quarantined
        facts = con.execute("SELECT count(*) FROM facts").fetchone()[0]
        quarantined = con.execute("SELECT count(*) FROM quarantine").fetchone()[0]
        assert (facts, quarantined) == (r.rows_loaded, r.rows_quarantined)
        [again] = load_files(con, [f])
        assert again.status == "unchanged"
        assert con.execute("SELECT count(*) FROM facts").fetchone()[0] == facts
        con.close()


@settings(max_examples=25, deadline=None)
@given(first=rows, second=rows)
def test_revision_supersedes_only_what_it_covers(first, second):
    """Two files in either order: each (month, standard, organisation) is current from exactly one
    file; where both have it, from the one whose coverage ends later (then the higher SHA-256:
    docs/methods.md, Vintages); where only one has it, from that one."""
    with tempfile.TemporaryDirectory() as d:
        con = open_duckdb(Path(d) / "w.duckdb")
        a, b = _write(Path(d) / "a.csv", first), _write(Path(d) / "b.csv", second)
        results = load_files(con, [a]) + load_files(con, [b])
        if results[1].status == "unchanged":
            return
        have = con.execute(
            """SELECT f.period, f.standard, f.org_code, s.source_id, s.last_month, s.sha256
               FROM facts f JOIN sources s USING (source_id) GROUP BY ALL"""
        ).fetchall()
        expected: dict[tuple, int] = {}
        best: dict[tuple, tuple] = {}
        for period, standard, org, sid, last, sha in have:
            key, rank = (period, standard, org), (last, sha)
            if key not in best or rank > best[key]:
                best[key], expected[key] = rank, sid
        current = con.execute(
            "SELECT period, standard, org_code, source_id FROM facts WHERE superseded_by IS NULL GROUP BY ALL"
        ).fetchall()
        assert {(p, s, o): sid for p, s, o, sid in current} == expected
        assert len(current) == len(expected)  # one current file per key
        con.close()
