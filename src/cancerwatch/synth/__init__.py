"""England-shaped synthetic record-level pathways, for demonstrations, tests and benchmarks.

:func:`generate` writes Parquet in the record-level pathway contract (docs/record-level.md), in
chunks (one row group each), so that tens of millions of rows never sit in memory at once. The
output is a pure function of ``(n, seed, start, months, chunk_rows)`` and the organisation codes.
See ``synth.model`` for the model and its calibration, ``synth.codes`` for where the real
organisation codes come from.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cancerwatch.ingest.readers.pathway_checks import PATHWAY_SCHEMA
from cancerwatch.periods import add_months
from cancerwatch.synth import codes, model

#: The contract's columns (``extra`` is for columns outside the contract, so a generated file has none).
SCHEMA = pa.schema([f for f in PATHWAY_SCHEMA if f.name != "extra"])
CHUNK_ROWS = 1_000_000
DEFAULT_START = date(2023, 4, 1)  # 2023/24, the year the calibration targets
DEFAULT_MONTHS = 12
FDS_OUTCOMES = ("cancer_confirmed", "cancer_ruled_out")
#: Parquet key-value metadata key under which a generated file records how it was generated.
METADATA_KEY = b"cancerwatch.synth"
TREATMENT_KINDS = ("first", "subsequent")


def _codes(values: np.ndarray, names: Sequence[str]) -> pa.Array:
    """Indices (-1 = empty) → strings."""
    idx = pa.array(values.astype(np.int32), mask=values < 0)
    return pc.take(pa.array(list(names), pa.string()), idx)


def _dates(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype(np.int32), mask=days < 0).cast(pa.date32())


def _ids(prefix: str, numbers: np.ndarray) -> pa.Array:
    text = pa.array(numbers.astype(np.int64)).cast(pa.string())
    return pc.binary_join_element_wise(pa.scalar(prefix), text, "")


def chunk_table(ctx: model.Context, seed: int, chunk_no: int, first_row: int, n: int, patients: int) -> pa.Table:
    """One chunk of ``n`` pathways as an Arrow table in the contract's schema."""
    rng = np.random.default_rng([seed, chunk_no + 1])
    c = model.draw_chunk(ctx, rng, n)
    columns = {
        "pathway_id": _ids(f"S{seed}-", np.arange(first_row, first_row + n)),
        "patient_id": _ids("PT", rng.integers(0, patients, n)),
        "route": _codes(c["route"], model.ROUTES),
        "referral_date": _dates(c["referral"]),
        "commissioner_code": _codes(c["commissioner"], ctx.commissioners),
        "first_provider_code": _codes(c["first"], ctx.providers),
        "tumour_group": _codes(c["tumour"], model.TUMOURS),
        "fds_end_date": _dates(c["fds_end"]),
        "fds_outcome": _codes(c["fds_outcome"], FDS_OUTCOMES),
        "decision_to_treat_date": _dates(c["dtt"]),
        "treatment_date": _dates(c["treatment"]),
        "treatment_kind": _codes(c["treatment_kind"], TREATMENT_KINDS),
        "treatment_modality": _codes(c["modality"], model.MODALITIES),
        "treating_provider_code": _codes(c["treating"], ctx.providers),
        "ipt_date": _dates(c["ipt_date"]),
        "first_seen_adjustment_days": pa.array(c["first_seen_adjustment"].astype(np.int32)),
        "treatment_adjustment_days": pa.array(c["treatment_adjustment"].astype(np.int32)),
        "stage": _codes(c["stage"], model.STAGES),
        "emergency_presentation": pa.array(c["emergency"]),
    }
    return pa.table(columns, schema=SCHEMA)


def generate(
    n: int,
    seed: int,
    out_path: Path | str,
    *,
    providers: Sequence[str] | None = None,
    commissioners: Sequence[str] | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    start: date = DEFAULT_START,
    months: int = DEFAULT_MONTHS,
    chunk_rows: int = CHUNK_ROWS,
) -> Path:
    """Write ``n`` synthetic pathways to ``out_path`` (Parquet) and return the path.

    Clock stops fall in the ``months`` months from ``start``; the extract date is the first day after
    them (open pathways are waiting on it). Organisation codes default to those of the warehouse
    ``con`` when given, else to the bundled reference files (``synth.codes``).
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    providers = list(providers) if providers else codes.provider_codes(con)
    commissioners = list(commissioners) if commissioners else codes.commissioner_codes(con)
    ctx = model.make_context(providers, commissioners, seed, start, add_months(start, months))
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    patients = max(1, int(n * 0.8))  # some patients have several pathways (subsequent treatments)
    spec = {"n": n, "seed": seed, "start": start.isoformat(), "months": months, "chunk_rows": chunk_rows}
    schema = SCHEMA.with_metadata({METADATA_KEY: json.dumps(spec).encode()})
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        for chunk_no, first_row in enumerate(range(0, n, chunk_rows)):
            size = min(chunk_rows, n - first_row)
            writer.write_table(chunk_table(ctx, seed, chunk_no, first_row, size, patients))
    return out


def generated_with(path: Path | str) -> dict | None:
    """How a file written by :func:`generate` was generated (``n``, ``seed``, ``start``, ``months``,
    ``chunk_rows``), read from its Parquet metadata; None for any other file."""
    meta = pq.read_schema(path).metadata or {}
    return json.loads(meta[METADATA_KEY]) if METADATA_KEY in meta else None
