"""Reports' charts drawn side by side, and their PDFs printed, in worker processes, when a server
has started them.

Drawing (matplotlib) and printing (WeasyPrint) are pure Python, so threads would take turns on the
interpreter lock: an annual report's 15 charts took about a second one after another, and a PDF
printed in a thread of the server held the lock for seconds, slowing every page served meanwhile.
``cancerwatch serve`` starts one worker process per core (at most :data:`MAX_WORKERS`, none on one
core) before it listens, each with matplotlib's fonts and caches ready and WeasyPrint's first page
printed (:func:`warm`); a report then hands its charts to them (:func:`draw`) and its PDF
(:func:`print_pdf`). Workers are started with ``forkserver``, so they do not inherit the server's
DuckDB connection or threads. Without workers (the CLI, tests) charts are drawn and PDFs printed
in the calling process; the SVG and the PDF are the same either way.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from cancerwatch.reports import charts, pdf

MAX_WORKERS = 4
Job = tuple[Callable[..., charts.Chart], dict[str, Any]]

_pool: ProcessPoolExecutor | None = None
_workers = 0
_lock = threading.Lock()


def warm() -> None:
    """A worker's set-up: matplotlib's first drawing and WeasyPrint's first page."""
    charts.warm()
    pdf.warm()


def start(workers: int | None = None) -> int:
    """Start the worker processes (one per core by default) and wait until each is ready; how many."""
    global _pool, _workers
    count = min(MAX_WORKERS, workers if workers is not None else os.cpu_count() or 1)
    with _lock:
        if _pool is None and count > 1:
            _pool = ProcessPoolExecutor(
                max_workers=count, mp_context=multiprocessing.get_context("forkserver"), initializer=warm
            )
            for ready in [_pool.submit(os.getpid) for _ in range(count)]:
                ready.result()
            _workers = count
        return _workers


def stop() -> None:
    """Stop the workers (a server shutting down)."""
    global _pool, _workers
    with _lock:
        pool, _pool, _workers = _pool, None, 0
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def draw(jobs: Sequence[Job]) -> list[charts.Chart]:
    """Each job's chart (``function(**arguments)``), in order: in the workers when started."""
    pool = _pool
    if pool is None or len(jobs) < 2:
        return [function(**arguments) for function, arguments in jobs]
    futures = [pool.submit(function, **arguments) for function, arguments in jobs]
    return [future.result() for future in futures]


def print_pdf(html: str) -> bytes:
    """The PDF of a report's printable HTML (``render_html(pdf=True)``): in a worker when started."""
    return print_pdf_later(html).result()


def print_pdf_later(html: str) -> Future[bytes]:
    """The PDF being printed in a worker (when started, else printed now), as a future."""
    pool = _pool
    if pool is not None:
        return pool.submit(pdf.html_to_pdf, html)
    done: Future[bytes] = Future()
    done.set_result(pdf.html_to_pdf(html))
    return done
