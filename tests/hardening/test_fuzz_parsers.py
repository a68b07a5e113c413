"""Fuzzing the extract and pathway parsers with Hypothesis, bounded in examples (issue 11).

Whatever bytes arrive, ``load_files`` ends in one of two ways:

- an ``InputError`` naming the file, and the warehouse exactly as it was; or
- a load whose rows reconcile: read = loaded + quarantined, and every quarantined row is in the
  ``quarantine`` table with a reason.

Never another exception, never a partial write. Inputs: arbitrary bytes under each suffix;
real files (a provider extract sample as CSV, synthetic pathways as CSV) with cells replaced by
arbitrary text, lines dropped or the file cut short; a real workbook with bytes flipped or cut.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import fastexcel
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cancerwatch.errors import InputError
from cancerwatch.ingest.load import load_files
from cancerwatch.synth import generate
from cancerwatch.warehouse.connect import open_duckdb
from tests.conftest import DATA, PROVIDER_EXTRACT

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=False)
WORKBOOK = DATA / "nhse" / "Commissioner-Based-Cancer-Waiting-Times-Jul-2022.xlsx"


@pytest.fixture(scope="module")
def fuzz_db(tmp_path_factory):
    con = open_duckdb(tmp_path_factory.mktemp("fuzz") / "fuzz.duckdb")
    yield con
    con.close()


def _state(con) -> tuple:
    return tuple(
        con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("sources", "facts", "quarantine", "pathways")
    )


def _check_load(con, name: str, data: bytes) -> None:
    """Load ``data`` as a file called ``name``: a clean refusal or a reconciled load, nothing else."""
    before = _state(con)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / name
        path.write_bytes(data)
        try:
            (result,) = load_files(con, [path])
        except InputError as exc:
            assert name in str(exc) or path.name in str(exc), str(exc)
            assert "\n" not in str(exc).strip(), "errors are one line"
            assert _state(con) == before, "a refused file changed the warehouse"
            return
    assert result.rows_read == result.rows_loaded + result.rows_quarantined
    if result.status == "loaded":
        reasons = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE coalesce(reason, '') = '') FROM quarantine WHERE source_id = ?",
            [result.source_id],
        ).fetchone()
        assert reasons == (result.rows_quarantined, 0)


def _csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


@pytest.fixture(scope="module")
def provider_rows() -> list[list[str]]:
    """The header and 30 data rows of the real provider extract, as text."""
    sheet = fastexcel.read_excel(PROVIDER_EXTRACT).load_sheet(0, n_rows=30)
    table = sheet.to_arrow()
    header = table.column_names
    body = [["" if v is None else str(v) for v in row.values()] for row in table.to_pylist()]
    return [header, *body]


@pytest.fixture(scope="module")
def pathway_rows(tmp_path_factory) -> list[list[str]]:
    """The header and 30 rows of synthetic record-level pathways, as text."""
    import pyarrow.parquet as pq

    path = tmp_path_factory.mktemp("fuzz-pathways") / "p.parquet"
    generate(30, 7, path)
    table = pq.read_table(path)
    body = [["" if v is None else str(v) for v in row.values()] for row in table.to_pylist()]
    return [table.column_names, *body]


edits = st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 10_000), st.text(max_size=30)), max_size=8)
dropped = st.lists(st.integers(0, 10_000), max_size=3)
cut = st.one_of(st.none(), st.floats(0.0, 1.0))


def _mutate(rows: list[list[str]], edits_, dropped_, cut_) -> bytes:
    rows = [list(r) for r in rows]
    for r, c, text in edits_:
        row = rows[r % len(rows)]
        row[c % len(row)] = text
    for r in dropped_:
        if len(rows) > 1:
            del rows[r % len(rows)]
    data = _csv_bytes(rows)
    return data if cut_ is None else data[: int(len(data) * cut_)]


@FUZZ
@given(data=st.binary(max_size=2048), suffix=st.sampled_from([".csv", ".xlsx", ".parquet", ".txt"]))
def test_arbitrary_bytes(fuzz_db, data, suffix):
    _check_load(fuzz_db, f"fuzz{suffix}", data)


@FUZZ
@given(edits_=edits, dropped_=dropped, cut_=cut)
def test_mutated_provider_extract(fuzz_db, provider_rows, edits_, dropped_, cut_):
    _check_load(fuzz_db, "provider.csv", _mutate(provider_rows, edits_, dropped_, cut_))


@FUZZ
@given(edits_=edits, dropped_=dropped, cut_=cut)
def test_mutated_pathways(fuzz_db, pathway_rows, edits_, dropped_, cut_):
    _check_load(fuzz_db, "pathways.csv", _mutate(pathway_rows, edits_, dropped_, cut_))


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)), min_size=1, max_size=4), cut_=cut)
def test_damaged_workbook(fuzz_db, flips, cut_):
    data = bytearray(WORKBOOK.read_bytes())
    for at, xor in flips:
        data[at % len(data)] ^= xor
    if cut_ is not None:
        data = data[: int(len(data) * cut_)]
    _check_load(fuzz_db, WORKBOOK.name, bytes(data))


def test_the_unmutated_samples_load_in_full(empty_warehouse, provider_rows, pathway_rows):
    """The fuzzers start from files that load cleanly, so mutations reach the row checks."""
    with tempfile.TemporaryDirectory() as d:
        for name, rows in (("provider-sample.csv", provider_rows), ("pathways-sample.csv", pathway_rows)):
            path = Path(d) / name
            path.write_bytes(_csv_bytes(rows))
            (result,) = load_files(empty_warehouse, [path])
            assert (result.status, result.rows_read, result.rows_quarantined) == ("loaded", 30, 0), result
