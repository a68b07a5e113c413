"""Read untrusted files in a child process with memory and time limits.

Whatever a file makes the reader do (allocate without bound, spin, crash in native code), only
the child ends: the caller gets one line naming the file being read and what stopped it. The
child reads and validates (:func:`cancerwatch.ingest.load.parse_files`) and sends back the parsed
files (Arrow tables pickle), so the caller takes the warehouse only to commit them.

Limits: ``RLIMIT_AS`` (address space, ``CANCERWATCH_UPLOAD_MEMORY_BYTES``), ``RLIMIT_CPU`` and a
wall-clock deadline (``CANCERWATCH_UPLOAD_SECONDS``), ``RLIMIT_FSIZE`` and ``RLIMIT_CORE``. The
child works in the caller's folder (its current directory and ``TMPDIR``), so anything it
leaves behind goes when the caller removes that folder.

At its address-space limit native code does not always fail cleanly: an allocation that fails
inside a thread pool can leave a task unfinished and the reader waiting for it for ever. So the
caller watches the child (``/proc``): a child whose address space has reached the limit and that
has used no processor time for :data:`STUCK_SECONDS` is stopped, and the refusal names the memory
setting rather than waiting for the time limit.
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
#: A child at its memory limit that uses no processor time for this long is stuck.
STUCK_SECONDS = 10.0
#: "At its memory limit": its peak address space is at least this share of the limit.
NEAR_LIMIT = 0.9


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
    watch = _Watch(child.pid, memory_bytes)
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _stopped(reading, f"reading took longer than {seconds:,} s", "CANCERWATCH_UPLOAD_SECONDS")
            if not receiver.poll(min(remaining, 0.5)):
                if not child.is_alive():
                    raise _ended(reading, child.exitcode, memory_bytes)
                if watch.stuck():
                    raise _out_of_memory(reading, memory_bytes)
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
            elif kind == "memory":
                raise _out_of_memory(reading, memory_bytes)
            else:  # "failed": an exception the readers do not raise on purpose (named by type only)
                raise InputError(f"the file could not be read ({payload})", file=reading)
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join(10)


class _Watch:
    """Whether a child has sat idle at its address-space limit for :data:`STUCK_SECONDS` (Linux ``/proc``)."""

    def __init__(self, pid: int | None, memory_bytes: int) -> None:
        self.pid = pid
        self.near = NEAR_LIMIT * memory_bytes
        self.cpu: int | None = None
        self.since = time.monotonic()

    def stuck(self) -> bool:
        """True once the child is at its limit and its processor time has not moved for a while."""
        peak, cpu = _peak_bytes(self.pid), _cpu_ticks(self.pid)
        now = time.monotonic()
        if peak is None or cpu is None:
            return False  # no /proc (or the child has just ended): the time limit still applies
        if cpu != self.cpu:
            self.cpu, self.since = cpu, now
            return False
        return peak >= self.near and now - self.since >= STUCK_SECONDS


def _peak_bytes(pid: int | None) -> int | None:
    """The peak address space of ``pid`` (``VmPeak``), in bytes."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cpu_ticks(pid: int | None) -> int | None:
    """User plus system processor time of ``pid``, in clock ticks (``/proc/PID/stat`` fields 14 and 15)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, ValueError, IndexError):
        return None


def _out_of_memory(reading: str | None, memory_bytes: int) -> InputError:
    return InputError(
        f"the reader stopped at its memory limit: the file needs more than the {memory_bytes // 2**20:,} MB an "
        "upload may use (set CANCERWATCH_UPLOAD_MEMORY_BYTES to change it)",
        file=reading,
    )


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
        # Python's and DuckDB's own out-of-memory errors, or any other failure at the limit (an
        # allocation that failed deep in native code surfaces as some other error)
        out_of_memory = isinstance(exc, MemoryError) or type(exc).__name__ == "OutOfMemoryException"
        peak = _peak_bytes(os.getpid())
        if out_of_memory or (peak is not None and peak >= NEAR_LIMIT * memory_bytes):
            sender.send(("memory", None))
        else:
            sender.send(("failed", type(exc).__name__))
    finally:
        sender.close()
