"""The readers' scratch database: one per process, a connection of its own for each file."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from cancerwatch.ingest.scratch import scratch


def test_what_one_file_leaves_in_the_scratch_database_goes_with_its_connection():
    with scratch() as con:
        con.register("rows", pa.table({"a": [1, 2]}))
        con.execute("CREATE TEMP TABLE checked AS SELECT a FROM rows")
        assert con.execute("SELECT sum(a) FROM checked").fetchone() == (3,)
    with scratch() as con:
        for name in ("rows", "checked"):
            with pytest.raises(duckdb.CatalogException):
                con.execute(f"SELECT * FROM {name}")


def test_two_files_checked_at_once_do_not_see_each_others_tables():
    with scratch() as first, scratch() as second:
        first.register("rows", pa.table({"a": [1]}))
        second.register("rows", pa.table({"a": [2, 3]}))
        assert first.execute("SELECT count(*) FROM rows").fetchone() == (1,)
        assert second.execute("SELECT count(*) FROM rows").fetchone() == (2,)


def test_the_scratch_database_runs_on_one_thread():
    with scratch() as con:
        assert con.execute("SELECT current_setting('threads')").fetchone() == (1,)
