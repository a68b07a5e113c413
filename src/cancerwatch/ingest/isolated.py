"""Read untrusted files in a child process with memory and time limits.

Whatever a file makes the reader do (allocate without bound, spin, crash in native code), only
the child ends: the caller gets one line naming the file being read and what stopped it. The
child reads and validates (:func:`cancerwatch.ingest.load.parse_files`) and sends back the parsed
files (Arrow tables pickle), so the caller takes the warehouse only to commit them.

Limits: ``RLIMIT_AS`` (address space, ``CANCERWATCH_UPLOAD_MEMORY_BYTES``), ``RLIMIT_CPU`` and a
wall-clock deadline (``CANCERWATCH_UPLOAD_SECONDS``), ``RLIMIT_FSIZE`` and ``RLIMIT_CORE``. The
child works in the caller's folder (its current directory and ``TMPDIR``), so anything it
leaves behind goes when the caller removes that folder.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import tempfile
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path

from cancerwatch.errors import CancerwatchError, InputError
from cancerwatch.ingest.limits import WorkLimits, limits_in_force
from cancerwatch.ingest.parsed import ParsedFile

#: The child's own files (DuckDB spills, temporary copies) may not grow past this.
CHILD_FILE_BYTES = 2 * 1024 * 1024 * 1024


def parse_isolated(
    paths: Sequence[Path],
    *,
    limits: WorkLimits,
    memory_bytes: int,
    seconds: int,
    workdir: Path,
) -> list[ParsedFile]:
    """``parse_files(paths)`` in a child process; ``InputError`` (one line) if the child fails or is stopped."""
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no threads or locks of the server
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_read_in_child,
        args=(sender, [str(p) for p in paths], limits, memory_bytes, seconds, str(workdir)),
        name="cancerwatch-upload-reader",
        daemon=True,
    )
    child.start()
    sender.close()
    deadline = time.monotonic() + seconds
    reading: str | None = Path(paths[0]).name if paths else None
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _stopped(reading, f"reading took longer than {seconds:,} s", "CANCERWATCH_UPLOAD_SECONDS")
            if not receiver.poll(min(remaining, 0.5)):
                if not child.is_alive():
                    raise _ended(reading, child.exitcode, memory_bytes)
                continue
            try:
                kind, payload = receiver.recv()
            except (EOFError, OSError):
                child.join(5)
                raise _ended(reading, child.exitcode, memory_bytes) from None
            if kind == "reading":
                reading = payload
            elif kind == "parsed":
                return payload
            elif kind == "refused":
                raise payload
            else:  # "failed": an exception the readers do not raise on purpose (named by type only)
                raise InputError(f"the file could not be read ({payload})", file=reading)
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join(10)


def _stopped(reading: str | None, what: str, setting: str) -> InputError:
    return InputError(f"{what}, the limit for an upload (set {setting} to change it)", file=reading)


def _ended(reading: str | None, exitcode: int | None, memory_bytes: int) -> InputError:
    """Why the child ended without an answer, from its exit status."""
    if exitcode is not None and exitcode < 0:
        sig = -exitcode
        if sig == signal.SIGXCPU:
            return _stopped(reading, "reading used more processor time than allowed", "CANCERWATCH_UPLOAD_SECONDS")
        if sig in (signal.SIGABRT, signal.SIGKILL, signal.SIGSEGV, signal.SIGBUS):
            return InputError(
                f"the reader stopped ({signal.Signals(sig).name}), as it does when a file needs more than the "
                f"{memory_bytes // 2**20:,} MB an upload may use (set CANCERWATCH_UPLOAD_MEMORY_BYTES to change it)",
                file=reading,
            )
        return InputError(f"the reader stopped ({signal.Signals(sig).name})", file=reading)
    return InputError(f"the reader ended without an answer (exit code {exitcode})", file=reading)


def _read_in_child(
    sender: Connection,
    paths: list[str],
    limits: WorkLimits,
    memory_bytes: int,
    seconds: int,
    workdir: str,
) -> None:
    """The child: apply the limits, read every file, send the result (or why not)."""
    import logging
    import resource

    from cancerwatch.ingest.load import parse_files  # imported before the address space is limited

    logging.getLogger("fastexcel").setLevel(logging.ERROR)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (CHILD_FILE_BYTES, CHILD_FILE_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    os.chdir(workdir)
    scratch = Path(workdir) / "tmp"
    scratch.mkdir(exist_ok=True)
    os.environ["TMPDIR"] = str(scratch)
    tempfile.tempdir = str(scratch)
    try:
        parsed: list[ParsedFile] = []
        with limits_in_force(limits):
            for path in paths:
                sender.send(("reading", Path(path).name))
                parsed.extend(parse_files([Path(path)]))
        sender.send(("parsed", parsed))
    except CancerwatchError as exc:
        sender.send(("refused", exc))
    except BaseException as exc:  # anything else is reported by type, never by content
        if isinstance(exc, MemoryError) or type(exc).__name__ == "OutOfMemoryException":  # Python's, DuckDB's
            why = f"it needs more than the {memory_bytes // 2**20:,} MB an upload may use"
            sender.send(("failed", f"{why}; set CANCERWATCH_UPLOAD_MEMORY_BYTES to change it"))
        else:
            sender.send(("failed", type(exc).__name__))
    finally:
        sender.close()
