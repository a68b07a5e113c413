"""Hand-made pathway rows and a helper that evaluates the engine's expressions on them."""

from __future__ import annotations

from datetime import date, timedelta

import ibis
import pyarrow as pa
import pytest

from cancerwatch.ingest.readers.pathway_checks import PATHWAY_SCHEMA

DAY0 = date(2023, 1, 2)  # clock start of the hand-worked cases (day 0)


def day(n: int | None) -> date | None:
    """The date ``n`` days after DAY0 (None stays None)."""
    return None if n is None else DAY0 + timedelta(days=n)


def pathway(**fields) -> dict:
    """One pathway row (contract columns), defaults: a USC first treatment at RBK, nothing else."""
    row = {f.name: None for f in PATHWAY_SCHEMA}
    row.update(
        pathway_id="P",
        route="urgent_suspected_cancer",
        referral_date=DAY0,
        commissioner_code="00L",
        first_provider_code="RBK",
        tumour_group="Lung",
        first_seen_adjustment_days=0,
        treatment_adjustment_days=0,
    )
    row.update(fields)
    return row


def table(rows: list[dict]) -> ibis.Table:
    """An Ibis in-memory table of pathway rows, typed as the ``pathways`` table."""
    data = {f.name: pa.array([r[f.name] for r in rows], type=f.type) for f in PATHWAY_SCHEMA}
    data["source_id"] = pa.array([r.get("source_id", 1) for r in rows], type=pa.int32())
    data["_i"] = pa.array(range(len(rows)), type=pa.int64())
    return ibis.memtable(pa.table(data))


@pytest.fixture(scope="session")
def backend():
    """An in-memory DuckDB backend for Ibis."""
    return ibis.duckdb.connect()


def evaluate(backend, rows: list[dict], **exprs) -> list[dict]:
    """Evaluate ``name=fn(table)`` column expressions over ``rows``, in row order."""
    t = table(rows)
    out = backend.to_pyarrow(t.select("_i", **{k: f(t) for k, f in exprs.items()}).order_by("_i"))
    return [{k: v for k, v in r.items() if k != "_i"} for r in out.to_pylist()]
