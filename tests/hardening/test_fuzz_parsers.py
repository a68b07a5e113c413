"""Fuzzing the extract and pathway parsers with Hypothesis, bounded in examples (issue 11).

Whatever bytes arrive, ``load_files`` ends in one of two ways:

- an ``InputError`` naming the file, and the warehouse exactly as it was; or
- a load whose rows reconcile: read = loaded + quarantined, and every quarantined row is in the
  ``quarantine`` table with a reason.

Never another exception, never a partial write, and never the end of the process. Inputs:
arbitrary bytes under each suffix; real files (a provider extract sample as CSV, synthetic
pathways as CSV) with cells replaced by arbitrary text, lines dropped or the file cut short; a
real workbook with bytes flipped or cut; and zip-level shapes of a valid workbook (issue 20):
declared shared-string counts, declared extents, far cell references, parts that expand a
thousand times, parts whose declared size is a lie, repeated parts; and record-level shapes of a
legacy .xls (far cells, declared extents, damaged bytes). A shape that made the spreadsheet
reader abort would end this test process, which fails the run.
"""

from __future__ import annotations

import csv
import io
import struct
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
from tests.hardening import crafted

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


def _check_load(con, name: str, data: bytes) -> str:
    """Load ``data`` as a file called ``name``: a clean refusal or a reconciled load, nothing else
    (returns the refusal's message, or "" for a load)."""
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
            return str(exc)
    assert result.rows_read == result.rows_loaded + result.rows_quarantined
    if result.status == "loaded":
        reasons = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE coalesce(reason, '') = '') FROM quarantine WHERE source_id = ?",
            [result.source_id],
        ).fetchone()
        assert reasons == (result.rows_quarantined, 0)
    return ""


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


def test_part_name_in_local_header_not_utf8(fuzz_db):
    """A flipped byte in a part's local header name, where the directory says names are UTF-8."""
    data = bytearray(WORKBOOK.read_bytes())
    name = b"docProps/core.xml"
    central = data.find(name, data.find(b"PK\x01\x02")) - 46
    assert data[central : central + 4] == b"PK\x01\x02"
    flags = struct.unpack_from("<H", data, central + 8)[0]
    struct.pack_into("<H", data, central + 8, flags | 0x800)
    (local,) = struct.unpack_from("<I", data, central + 42)
    assert data[local + 30 : local + 30 + len(name)] == name
    data[local + 30] = 0xE4
    assert "not a readable xlsx workbook" in _check_load(fuzz_db, WORKBOOK.name, bytes(data))


letters = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=4)
rows = st.one_of(st.integers(1, 2_000_000), st.integers(1, 10**10))
reference = st.builds(lambda c, r: f"{c}{r}", letters, rows)
zip_shapes = st.fixed_dictionaries(
    {
        "unique": st.one_of(st.none(), st.integers(0, 10**12)),
        "count": st.one_of(st.none(), st.integers(0, 10**12)),
        "far": st.one_of(st.none(), reference),
        "dimension": st.one_of(st.none(), reference.map(lambda r: f"A1:{r}"), st.text(max_size=12)),
        "padding": st.one_of(st.none(), st.integers(0, 3 * 2**20)),
        "declared": st.one_of(st.none(), st.tuples(st.integers(0, 30), st.integers(0, 2**32 - 1))),
        "duplicate": st.booleans(),
    }
)


def _declare_size(path: Path, entry: int, size: int) -> None:
    """Make the central directory claim ``size`` uncompressed bytes for one entry (the archive is not changed)."""
    data = bytearray(path.read_bytes())
    offsets = [i for i in range(len(data) - 4) if data[i : i + 4] == b"PK\x01\x02"]
    struct.pack_into("<I", data, offsets[entry % len(offsets)] + 24, size)
    path.write_bytes(bytes(data))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(shape=zip_shapes)
def test_zip_level_shapes(fuzz_db, shape):
    with tempfile.TemporaryDirectory() as d:
        path = crafted.provider_workbook(Path(d) / "shaped.xlsx")
        if shape["unique"] is not None or shape["count"] is not None:
            crafted.claim_shared_strings(path, unique=shape["unique"] or 0, count=shape["count"])
        if shape["far"] is not None:
            crafted.far_cell(path, shape["far"])
        if shape["dimension"] is not None:
            crafted.declare_dimension(path, shape["dimension"].replace('"', "").replace("\\", ""))
        if shape["padding"] is not None:
            crafted.padded_part(path, shape["padding"])
        if shape["duplicate"]:
            crafted.duplicate_part(path)
        if shape["declared"] is not None:
            _declare_size(path, *shape["declared"])
        _check_load(fuzz_db, path.name, path.read_bytes())


xls_shapes = st.fixed_dictionaries(
    {
        "far": st.one_of(st.none(), st.tuples(st.integers(0, 65_535), st.integers(0, 65_535))),
        "dimensions": st.one_of(
            st.none(), st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1), st.integers(0, 65_535))
        ),
        "flips": st.lists(st.tuples(st.integers(0, 10**7), st.integers(1, 255)), max_size=3),
    }
)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(shape=xls_shapes)
def test_xls_record_shapes(fuzz_db, shape):
    """A legacy .xls (a bundled DM01 file) with a far cell, a declared extent or damaged bytes."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "shaped.xls"
        path.write_bytes(crafted.DM01_XLS.read_bytes())
        if shape["far"] is not None:
            crafted.xls_far_cell(path, *shape["far"])
        if shape["dimensions"] is not None:
            first, rows, cols = shape["dimensions"]
            crafted.xls_dimensions(path, rows, cols, first_row=first)
        data = bytearray(path.read_bytes())
        for at, xor in shape["flips"]:
            data[at % len(data)] ^= xor
        _check_load(fuzz_db, path.name, bytes(data))


def test_the_unmutated_samples_load_in_full(empty_warehouse, provider_rows, pathway_rows):
    """The fuzzers start from files that load cleanly, so mutations reach the row checks."""
    with tempfile.TemporaryDirectory() as d:
        for name, rows in (("provider-sample.csv", provider_rows), ("pathways-sample.csv", pathway_rows)):
            path = Path(d) / name
            path.write_bytes(_csv_bytes(rows))
            (result,) = load_files(empty_warehouse, [path])
            assert (result.status, result.rows_read, result.rows_quarantined) == ("loaded", 30, 0), result
