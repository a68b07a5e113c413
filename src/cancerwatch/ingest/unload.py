"""Undo a load: remove one file's rows and make the previous vintage current again.

``unload_source`` runs in one transaction: the file's facts, wait bands, national-series rows,
pathways, indicator values, reference rows and quarantined rows are deleted, the ``sources`` row
is kept with ``unloaded_at`` set (so the history says what happened), and the current figures
are recomputed by the vintage rules (``ingest.vintages``): whatever the file superseded is
current again. Reloading the same file later loads it afresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from cancerwatch.errors import UsageError
from cancerwatch.ingest.load import Prepare
from cancerwatch.ingest.vintages import recompute_current
from cancerwatch.warehouse.hierarchy import rebuild_organisations
from cancerwatch.warehouse.prepared import bump_version
from cancerwatch.warehouse.schema import scalar

#: Tables whose rows carry the ``source_id`` of the file that loaded them.
SOURCE_TABLES = (
    "facts",
    "wait_bands",
    "wait_band_defs",
    "national_series",
    "pathways",
    "indicator_values",
    "alliance_workforce_register",
    "deflator_series",
    "quarantine",
    "ref_sub_icb_lookup",
    "ref_trusts",
    "ref_cancer_alliances",
    "ref_published_names",
    "diagnostics_facts",
    "ref_providers_dm01",
    "workforce_staff",
)


@dataclass(frozen=True)
class Unloaded:
    """What an unload removed and restored."""

    source_id: int
    file_name: str
    rows_removed: int
    restored: int  # figures of earlier files that are current again


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    present = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    return [t for t in SOURCE_TABLES if t in present]


def unload_source(con: duckdb.DuckDBPyConnection, source_id: int, *, prepare: Prepare | None = None) -> Unloaded:
    """Remove the rows of loaded file ``source_id`` and recompute what is current (one transaction).

    The data version is bumped and ``prepare(con)`` refreshes the prepared views, as a load does."""
    row = con.execute("SELECT file_name, unloaded_at FROM sources WHERE source_id = ?", [source_id]).fetchone()
    if row is None:
        raise UsageError(f"no loaded file with id {source_id} (see `cancerwatch sources`)")
    if row[1] is not None:
        raise UsageError(f"file {source_id} ({row[0]}) was already unloaded on {row[1]:%Y-%m-%d %H:%M}")
    con.execute("BEGIN TRANSACTION")
    try:
        restored = scalar(
            con, "SELECT count(*) FROM facts WHERE superseded_by = ? AND source_id <> ?", [source_id, source_id]
        )
        removed = 0
        for table in _tables(con):
            removed += scalar(con, f"DELETE FROM {table} WHERE source_id = ?", [source_id])  # noqa: S608
        # Record-level facts name the file that superseded them; they are current again.
        con.execute("UPDATE facts SET superseded_by = NULL WHERE dataset = 'record' AND superseded_by = ?", [source_id])
        con.execute("UPDATE sources SET unloaded_at = ? WHERE source_id = ?", [datetime.now(), source_id])
        recompute_current(con)
        rebuild_organisations(con)
        bump_version(con)
        if prepare is not None:
            prepare(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return Unloaded(source_id, row[0], int(removed), int(restored))
