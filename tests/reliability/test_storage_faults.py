"""A write that fails ends ``cancerwatch load`` with one line and exit code 2, never a traceback
(issue 20): a full disk (``/dev/full`` as the write-ahead log), a file-size limit (``ulimit -f``)
and a read-only filesystem (a read-only bind mount in a private mount namespace). Nothing is
loaded, and the next load succeeds once the fault is gone."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cancerwatch.warehouse.connect import open_duckdb
from tests.conftest import DATA, PROVIDER_EXTRACT

TRUSTS = DATA / "geo" / "ods_etr_nhs_trusts.csv"


def _load(db: Path, path: Path, *, prefix: list[str] | None = None, preexec=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*(prefix or []), sys.executable, "-m", "cancerwatch", "load", str(path), "--db", str(db), "--format", "csv"],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=preexec,
        env=os.environ,
    )


def _one_line(done: subprocess.CompletedProcess, reason: str) -> None:
    assert done.returncode == 2, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0] == f"cancerwatch: w.duckdb: cannot write the warehouse: {reason}; nothing was loaded", lines


def _sources(db: Path) -> int:
    con = open_duckdb(db, read_only=True)
    try:
        return con.execute("SELECT count(*) FROM sources").fetchone()[0]
    finally:
        con.close()


def test_disk_full(tmp_path):
    db = tmp_path / "w.duckdb"
    open_duckdb(db).close()
    wal = db.with_name(db.name + ".wal")
    wal.symlink_to("/dev/full")  # every write to the log fails with ENOSPC
    _one_line(_load(db, TRUSTS), "No space left on device")
    wal.unlink()
    assert _sources(db) == 0
    assert _load(db, TRUSTS).returncode == 0 and _sources(db) == 1


def test_file_size_limit(tmp_path):
    db = tmp_path / "w.duckdb"
    open_duckdb(db).close()

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (2 * 1024 * 1024, 2 * 1024 * 1024))  # ulimit -f 2048

    _one_line(_load(db, PROVIDER_EXTRACT, preexec=limit), "File too large")
    assert _sources(db) == 0


def _read_only_mount() -> list[str] | None:
    """A command prefix that runs a command with ``$CW_RO`` bind-mounted read-only, if the system allows it."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    script = 'mount --bind "$CW_RO" "$CW_RO" && mount -o remount,bind,ro "$CW_RO" && exec "$@"'
    probe = subprocess.run([unshare, "-rm", "sh", "-c", "true"], capture_output=True)
    return [unshare, "-rm", "sh", "-c", script, "sh"] if probe.returncode == 0 else None


def test_read_only_filesystem(tmp_path, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "w.duckdb"
    open_duckdb(db).close()
    prefix = _read_only_mount()
    if prefix is not None:
        monkeypatch.setenv("CW_RO", str(folder))
        done = _load(db, TRUSTS, prefix=prefix)
        reason = "Read-only file system"
    elif os.geteuid() != 0:  # no mount namespaces here: a folder the user cannot write behaves the same
        folder.chmod(0o555)
        db.chmod(0o444)
        done = _load(db, TRUSTS)
        folder.chmod(0o755)
        db.chmod(0o644)
        reason = "Permission denied"
    else:
        pytest.fail("cannot make a read-only filesystem here (no unshare, and root ignores permissions)")
    _one_line(done, reason)
    assert _sources(db) == 0
