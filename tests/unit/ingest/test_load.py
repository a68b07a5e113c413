"""Loader guarantees: all or nothing, idempotent, revisions supersede, counts reconcile."""

from __future__ import annotations

import pytest

from cancerwatch.errors import InputError
from cancerwatch.ingest.load import load_files

from .conftest import provider_row, write_csv


def _counts(con):
    return {
        t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("sources", "facts", "quarantine", "national_series")
    }


def test_bad_rows_are_quarantined_with_reasons(empty_warehouse, tmp_path):
    f = write_csv(
        tmp_path / "p.csv",
        [
            provider_row(),
            provider_row(org="RAL", within="11", breaches="-1"),
            provider_row(org="RAE", total="x"),
            provider_row(org="RAS", standard="14-day thing"),
            provider_row(org="RA9", period="not a date"),
            provider_row(org="RBD", breaches="4"),
        ],
    )
    [r] = load_files(empty_warehouse, [f])
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (6, 1, 5)
    reasons = empty_warehouse.execute(
        "SELECT row_number, column_name, reason FROM quarantine ORDER BY row_number"
    ).fetchall()
    assert reasons == [
        (3, "BREACHES", "BREACHES -1 is negative"),
        (4, "TOTAL TREATED", "TOTAL TREATED 'x' is not a number"),
        (5, "STANDARD", "unknown standard '14-day thing'"),
        (6, "PERIOD", "PERIOD 'not a date' is not a date"),
        (7, "BREACHES", "BREACHES 4 is not TOTAL − WITHIN STANDARD (3)"),
    ]
    raw = empty_warehouse.execute("SELECT raw_row FROM quarantine WHERE row_number = 4").fetchone()[0]
    assert '"TOTAL TREATED": "x"' in raw


def test_within_greater_than_total(empty_warehouse, tmp_path):
    f = write_csv(tmp_path / "p.csv", [provider_row(within="12", breaches="-2", total="10")])
    load_files(empty_warehouse, [f])
    # the negative breach count is found first; a consistent triple with within > total:
    f2 = write_csv(tmp_path / "q.csv", [provider_row(org="RAL", within="12", breaches="0", total="10")])
    load_files(empty_warehouse, [f2])
    reasons = [r[0] for r in empty_warehouse.execute("SELECT reason FROM quarantine ORDER BY source_id").fetchall()]
    assert reasons == ["BREACHES -2 is negative", "WITHIN STANDARD 12 exceeds TOTAL 10"]


def test_identical_file_is_a_no_op(empty_warehouse, tmp_path):
    f = write_csv(tmp_path / "p.csv", [provider_row()])
    [first] = load_files(empty_warehouse, [f])
    before = _counts(empty_warehouse)
    [again] = load_files(empty_warehouse, [f])
    assert (first.status, again.status) == ("loaded", "unchanged")
    assert _counts(empty_warehouse) == before


def test_revision_supersedes_and_keeps_old_figures(empty_warehouse, tmp_path):
    v1 = write_csv(tmp_path / "v1.csv", [provider_row(total="10", within="7", breaches="3")])
    v2 = write_csv(tmp_path / "v2.csv", [provider_row(total="12", within="8", breaches="4")])
    load_files(empty_warehouse, [v1])
    [r] = load_files(empty_warehouse, [v2])
    assert r.superseded == 1
    rows = empty_warehouse.execute("SELECT source_id, total, superseded_by FROM facts ORDER BY source_id").fetchall()
    assert [(float(t), s) for _, t, s in rows] == [(10.0, r.source_id), (12.0, None)]


def test_older_vintage_loaded_later_does_not_replace_newer(empty_warehouse, tmp_path):
    newer = write_csv(
        tmp_path / "apr_may.csv",
        [provider_row(total="12", within="8", breaches="4"), provider_row(period="2023-05-01")],
    )
    older = write_csv(tmp_path / "apr.csv", [provider_row(total="10", within="7", breaches="3")])
    [n] = load_files(empty_warehouse, [newer])
    load_files(empty_warehouse, [older])
    current = empty_warehouse.execute(
        "SELECT total FROM facts WHERE period = DATE '2023-04-01' AND superseded_by IS NULL"
    ).fetchall()
    assert [float(c[0]) for c in current] == [12.0]
    old = empty_warehouse.execute(
        "SELECT superseded_by FROM facts WHERE total = 10 AND period = DATE '2023-04-01'"
    ).fetchone()[0]
    assert old == n.source_id


def test_a_bad_file_loads_nothing_from_the_batch(empty_warehouse, tmp_path):
    good = write_csv(tmp_path / "good.csv", [provider_row()])
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(InputError, match=r"bad\.xlsx: not a readable xlsx workbook"):
        load_files(empty_warehouse, [good, bad])
    assert _counts(empty_warehouse) == {"sources": 0, "facts": 0, "quarantine": 0, "national_series": 0}


def test_breakdowns_that_disagree_are_quarantined(empty_warehouse, tmp_path):
    rows = [
        provider_row(
            standard="62-day Combined",
            route="Urgent Suspected Cancer",
            modality="ALL MODALITIES",
            cancer="Lung",
            total="8.5",
            within="5.5",
            breaches="3",
        ),
        provider_row(
            standard="62-day Combined",
            route="Urgent Suspected Cancer",
            modality="Surgery",
            cancer="ALL CANCERS",
            total="8.5",
            within="5.5",
            breaches="3",
        ),
        provider_row(
            org="RAL",
            standard="62-day Combined",
            route="Screening",
            modality="ALL MODALITIES",
            cancer="Lung",
            total="4",
            within="4",
            breaches="0",
        ),
        provider_row(
            org="RAL",
            standard="62-day Combined",
            route="Screening",
            modality="Surgery",
            cancer="ALL CANCERS",
            total="3",
            within="3",
            breaches="0",
        ),
    ]
    [r] = load_files(empty_warehouse, [write_csv(tmp_path / "p.csv", rows)])
    assert (r.rows_loaded, r.rows_quarantined) == (2, 2)
    reason = empty_warehouse.execute("SELECT DISTINCT reason FROM quarantine").fetchall()
    assert reason == [("cancer-type and modality breakdowns disagree for RAL 62d screening 2023-04: totals 4 vs 3",)]
    total = empty_warehouse.execute("SELECT sum(total) FROM facts WHERE breakdown = 'cancer_type'").fetchone()[0]
    assert float(total) == 8.5


def test_a_file_that_fails_after_others_are_written_rolls_them_back(empty_warehouse, tmp_path):
    """``load_files`` writes each file as soon as it is read: a bad file after good ones that are
    already written rolls them back, and the warehouse is as it was."""
    goods = [write_csv(tmp_path / f"good{i}.csv", [provider_row(org=org)]) for i, org in enumerate(("RAJ", "RAL"))]
    bad = tmp_path / "zz-bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(InputError, match=r"zz-bad\.xlsx: not a readable xlsx workbook"):
        load_files(empty_warehouse, [*goods, bad])
    assert _counts(empty_warehouse) == {"sources": 0, "facts": 0, "quarantine": 0, "national_series": 0}
    [*loaded] = load_files(empty_warehouse, goods)  # and the same files then load
    assert [r.status for r in loaded] == ["loaded", "loaded"]


def test_files_are_handed_on_in_the_order_given(tmp_path):
    """Read in parallel, handed on in the order of the paths, so source ids follow that order."""
    from cancerwatch.ingest.load import iter_parsed

    paths = [write_csv(tmp_path / f"{name}.csv", [provider_row(org=name)]) for name in ("RBD", "RAJ", "RCF", "RAL")]
    parsed = list(iter_parsed(paths, workers=2))
    assert [p.path.name for p in parsed] == ["RBD.csv", "RAJ.csv", "RCF.csv", "RAL.csv"]
    assert [p.facts.column("org_code")[0].as_py() for p in parsed] == ["RBD", "RAJ", "RCF", "RAL"]


def test_a_write_that_fails_stops_the_reading_and_rolls_back(empty_warehouse, tmp_path, monkeypatch):
    import cancerwatch.ingest.load as load

    paths = [write_csv(tmp_path / f"f{i}.csv", [provider_row(org=org)]) for i, org in enumerate(("RAJ", "RAL", "RCF"))]
    real = load._write
    written = []

    def failing(con, parsed):
        if written:
            raise OSError("disk full")
        written.append(parsed.path.name)
        return real(con, parsed)

    monkeypatch.setattr(load, "_write", failing)
    with pytest.raises(OSError, match="disk full"):
        load_files(empty_warehouse, paths)
    assert written == ["f0.csv"]
    assert _counts(empty_warehouse) == {"sources": 0, "facts": 0, "quarantine": 0, "national_series": 0}
