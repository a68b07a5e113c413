"""Privacy: patient identifiers never leave the warehouse, record-level views need authentication,
and public outputs never show a count below the disclosure threshold (Hypothesis over random data;
the public CSV download is checked in tests/web/test_suppression.py)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cancerwatch.cli.app import app as cli
from cancerwatch.config import Settings
from cancerwatch.ingest.load import load_files
from cancerwatch.read.disclosure import apply_suppression
from cancerwatch.synth import generate
from cancerwatch.warehouse.connect import open_duckdb
from cancerwatch.web.app import create_app
from tests.conftest import DATA

TOKEN = "privacy-test-token-123456"
COUNT_FIELDS = ("total", "within_standard", "breaches")


def _warehouse(folder: Path, n: int, seed: int) -> tuple[Path, set[str], list[str]]:
    pathways = folder / "p.parquet"
    generate(n, seed, pathways)
    table = pq.read_table(pathways)
    db = folder / "w.duckdb"
    con = open_duckdb(db)
    load_files(con, [*sorted(DATA.glob("geo/*.csv")), pathways])
    con.close()
    providers = sorted(set(table.column("first_provider_code").to_pylist()))
    return db, set(table.column("patient_id").to_pylist()), providers


def _no_ids(text: str, ids: set[str]) -> None:
    leaked = [i for i in ids if i and i in text]
    assert not leaked, f"patient identifiers in output: {leaked[:3]}"


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(n=st.integers(200, 3000), seed=st.integers(0, 10_000))
def test_patient_ids_never_leave_the_warehouse(n, seed):
    with tempfile.TemporaryDirectory() as d:
        db, ids, providers = _warehouse(Path(d), n, seed)
        internal = TestClient(create_app(db, settings=Settings(db_path=db, api_token=TOKEN)))
        public = TestClient(create_app(db, settings=Settings(db_path=db, api_token=TOKEN), public=True))
        for standard in ("fds", "31d", "62d"):
            params = {"standard": standard, "level": "provider", "dataset": "record", "limit": 10000}
            assert internal.get("/api/v1/metrics", params=params).status_code == 401  # not signed in
            r = internal.get("/api/v1/metrics", params=params, headers={"Authorization": f"Bearer {TOKEN}"})
            assert r.status_code == 200 and r.json()["rows"]
            _no_ids(r.text, ids)
            assert public.get("/api/v1/metrics", params={"standard": standard, "dataset": "record"}).status_code == 404
        for args in (
            ["metrics", "--standard", "62d", "--level", "provider", "--dataset", "record"],
            ["ptl", "--provider", providers[0]],
            ["quality-premium", "--level", "sub_icb"],
        ):
            res = CliRunner().invoke(cli, [*args, "--db", str(db), "--format", "csv"])
            assert res.exit_code == 0, res.output
            _no_ids(res.stdout, ids)
            assert "patient_id" not in res.stdout
        page = public.get(f"/org/provider/{providers[0]}")
        _no_ids(page.text, ids)
        assert public.get("/upload").status_code == 404  # no uploads on the public site
        assert internal.post("/upload", files={"files": ("x.csv", b"a,b\n1,2\n")}).status_code in (401, 403)


counts = st.one_of(st.integers(0, 30), st.integers(0, 60).map(lambda x: x / 2))


@given(rows=st.lists(st.tuples(st.sampled_from(["RXX", "RYY", "ENG"]), counts, counts), min_size=1, max_size=30))
def test_public_rows_never_show_small_counts(rows):
    metric_rows = []
    for code, total, within in rows:
        total, within = max(total, within), min(total, within)
        metric_rows.append(
            {
                "org_code": code,
                "total": total,
                "within_standard": within,
                "breaches": total - within,
                "performance": within / total if total else None,
            }
        )
    for out, original in zip(apply_suppression(metric_rows, "nhsd_2018"), metric_rows, strict=True):
        if original["org_code"] == "ENG":
            continue  # national counts are not controlled (NHS Digital rule)
        for f in COUNT_FIELDS:
            v = out[f]
            assert v is None or v == 0 or (v >= 8 and v % 5 == 0), (f, original, out)
        if out["total"] is None or out["within_standard"] is None:
            assert out["performance"] is None  # no percentage from a suppressed numerator or denominator
        elif out["performance"] is not None:
            # computed from the rounded counts, so it cannot undo the rounding
            assert out["performance"] == pytest.approx(out["within_standard"] / out["total"])


def test_record_level_figures_need_a_token(warehouse_path, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copyfile(warehouse_path, db)
    params = {"standard": "62d", "dataset": "record"}
    off = TestClient(create_app(db, settings=Settings(db_path=db)))  # no token configured
    res = off.get("/api/v1/metrics", params=params, headers={"Authorization": "Bearer anything"})
    assert res.status_code == 403 and res.json()["error"]["code"] == "record_level_disabled"
    on = TestClient(create_app(db, settings=Settings(db_path=db, api_token=TOKEN)))
    for headers in ({}, {"Authorization": "Bearer wrong-token"}, {"Authorization": f"Basic {TOKEN}"}):
        res = on.get("/api/v1/metrics", params=params, headers=headers)
        assert res.status_code == 401 and res.json()["error"]["code"] == "unauthorised", headers
    signed_in = on.post("/login", data={"token": TOKEN}, follow_redirects=False)
    assert signed_in.status_code == 303
    # the bundled warehouse has no record-level data: past the gate, the answer is "no data"
    assert on.get("/api/v1/metrics", params=params).status_code == 404
    assert on.get("/api/v1/metrics", params=params).json()["error"]["code"] == "no_data"
