"""Faults during loads: a load killed mid-way leaves the warehouse as it was; concurrent loads
serialise; a reader never sees half a load."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from cancerwatch.warehouse.connect import open_duckdb
from tests.conftest import bundled_files

LOAD = [sys.executable, "-m", "cancerwatch", "load", *map(str, bundled_files()), "--format", "csv"]


def _state(path):
    con = open_duckdb(path, read_only=True)
    try:
        sources = con.execute("SELECT count(*), coalesce(sum(rows_loaded), 0) FROM sources").fetchone()
        facts = con.execute("SELECT count(*) FROM facts").fetchone()[0]
        national = con.execute("SELECT count(*) FROM national_series").fetchone()[0]
        return sources[0], facts, national
    finally:
        con.close()


def _writing(db, empty_size: int) -> bool:
    """True once the load's transaction has begun writing: the file has grown, or its WAL exists."""
    return db.with_name(db.name + ".wal").exists() or db.stat().st_size > empty_size


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["reading", "writing"])
def test_sigkill_mid_load_is_all_or_nothing(tmp_path, moment):
    """Killed while the files are read (before the warehouse is opened), or once its transaction
    has begun writing (before it commits), a load leaves all or nothing, and the next one succeeds."""
    db = tmp_path / "w.duckdb"
    open_duckdb(db).close()
    empty_size = db.stat().st_size
    env = {**os.environ, "CANCERWATCH_DB": str(db)}
    proc = subprocess.Popen(LOAD, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if moment == "reading":
        time.sleep(0.4)
        assert not _writing(db, empty_size)
    else:
        while not _writing(db, empty_size) and proc.poll() is None:
            time.sleep(0.002)
        assert proc.poll() is None, "the load finished before it was seen writing"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    n_sources, facts, national = _state(db)
    assert n_sources in (0, len(bundled_files())), "a killed load must leave all or nothing"
    if n_sources == 0:
        assert (facts, national) == (0, 0)
    # the next load succeeds and reaches the same state as a clean load
    done = subprocess.run(LOAD, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert _state(db)[0] == len(bundled_files())


@pytest.mark.slow
def test_concurrent_loads_serialise(tmp_path):
    db = tmp_path / "w.duckdb"
    open_duckdb(db).close()
    # the second load waits for the first to commit: long enough for a whole load of the bundle
    env = {**os.environ, "CANCERWATCH_DB": str(db), "CANCERWATCH_LOCK_WAIT": "900"}
    procs = [
        subprocess.Popen(LOAD, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1] for o in outs]
    statuses = sorted(o[0].count(",loaded,") for o in outs)
    assert statuses == [0, len(bundled_files())], "one load does the work, the other finds it done"
    assert _state(db)[0] == len(bundled_files())


def test_busy_warehouse_gives_a_clear_error(tmp_path):
    from cancerwatch.warehouse.connect import WarehouseBusy

    db = tmp_path / "w.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb,time; c=duckdb.connect({str(db)!r}); print('ready', flush=True); time.sleep(20)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "ready"
    try:
        with pytest.raises(WarehouseBusy, match=r"w\.duckdb: warehouse busy"):
            open_duckdb(db, read_only=True, wait=0.5)
    finally:
        holder.kill()
        holder.wait()
