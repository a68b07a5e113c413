"""Annual reports printed when the data are loaded, so that the first download is immediate.

``cancerwatch load --reports MODE`` prints, once the load has committed, the report of every
Cancer Alliance for its default year (the latest complete financial year with FDS figures, as
its page offers) as HTML and PDF, for the viewer who is not signed in on a server of that mode
(``internal`` or ``public``: the record-level sections read differently). They are kept in the
warehouse for the data version they were printed from (``warehouse.prepared``), and the web's
report route sends them as they are; any other report (another year or level, a signed-in
viewer, a version printed before) is built on request as before. The reports are built on a
read-only connection, so a running server keeps reading while they print, and stored in one
short write afterwards, only if no other load changed the data meanwhile.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import duckdb

from cancerwatch.catalogue.organisations import UNMAPPED_CODE
from cancerwatch.config import Settings
from cancerwatch.errors import NoData
from cancerwatch.read.context import Reader
from cancerwatch.read.disclosure import Disclosure
from cancerwatch.read.figures import level_rows
from cancerwatch.read.prepared import key_text
from cancerwatch.read.report import annual_report, latest_report_year
from cancerwatch.reports import render_html, workers
from cancerwatch.warehouse.connect import open_duckdb
from cancerwatch.warehouse.pool import DictMemo
from cancerwatch.warehouse.prepared import data_version, store_reports

MODES = ("internal", "public")
LEVEL = "alliance"
"""The level whose reports are printed at load time: the Alliances' board reports."""


def report_path(level: str, code: str) -> str:
    """The web path of a report without its format suffix (``/report/alliance/E56000029``)."""
    return f"/report/{level}/{code.upper()}"


def json_url(level: str, code: str, year: str) -> str:
    """The report's JSON alternate, as its HTML advertises it."""
    return f"{report_path(level, code)}.json?year={year}"


def report_key(level: str, code: str, year: str, disclosure: Disclosure) -> str:
    """The key of one organisation's report for one year and one kind of viewer."""
    d = disclosure
    return key_text(("report", level, code.upper(), year, d.policy, d.threshold, d.public, d.record_access))


def anonymous(settings: Settings, mode: str) -> Disclosure:
    """The disclosure of a viewer who is not signed in, on a server of ``mode``."""
    return Disclosure.from_settings(settings, public=mode == "public", record_access=False)


@dataclass(frozen=True)
class Printed:
    """How many reports were printed and kept, and for which data version (None: none kept)."""

    reports: int
    version: int | None


def prepare_reports(
    path: Path,
    settings: Settings,
    modes: Sequence[str],
    *,
    codes: Sequence[str] | None = None,
    processes: int | None = None,
) -> Printed:
    """Print the Alliances' reports for each viewer of ``modes`` and keep them (see the module).

    ``codes``: only these Alliances (default: every Alliance with FDS figures). ``processes``:
    worker processes drawing the charts and printing the PDFs (default one per core; 1: none)."""
    con = open_duckdb(path, read_only=True)
    try:
        version = data_version(con)
        if version is None or not modes:
            return Printed(0, version)
        chosen = [(reader, _targets(reader, codes)) for reader in _readers(con, settings, modes)]
        if not any(targets for _, targets in chosen):
            return Printed(0, version)
        started = 0 if workers.start(0) else workers.start(processes)  # a server's workers are kept
        try:
            pending = [item for reader, targets in chosen for item in _printing(reader, targets)]
            bodies = [(key, fmt, body if isinstance(body, bytes) else body.result()) for key, fmt, body in pending]
        finally:
            if started:
                workers.stop()
    finally:
        con.close()
    con = open_duckdb(path)
    try:
        con.begin()
        if data_version(con) != version:  # another load changed the data meanwhile
            con.rollback()
            return Printed(0, None)
        count = store_reports(con, version, bodies)
        con.commit()
    finally:
        con.close()
    return Printed(count // 2, version)


def _readers(con: duckdb.DuckDBPyConnection, settings: Settings, modes: Sequence[str]) -> list[Reader]:
    return [Reader(con, anonymous(settings, mode), cache=DictMemo()) for mode in dict.fromkeys(modes)]


def _targets(reader: Reader, codes: Sequence[str] | None) -> list[tuple[str, str]]:
    """``(code, year)`` of each Alliance report to print: its default year (none without figures)."""
    every = {r["org_code"] for r in level_rows(reader, "fds", LEVEL)} - {UNMAPPED_CODE}
    out = []
    for code in sorted(every if codes is None else every & {c.upper() for c in codes}):
        try:
            out.append((code, latest_report_year(reader, LEVEL, code)))
        except NoData:
            continue
    return out


def _printing(reader: Reader, targets: list[tuple[str, str]]) -> list[tuple[str, str, bytes | Future[bytes]]]:
    """Each report's HTML, and its PDF being printed in a worker (when started)."""
    out: list[tuple[str, str, bytes | Future[bytes]]] = []
    for code, year in targets:
        report = annual_report(reader, code, year, level=LEVEL)
        key = report_key(LEVEL, code, year, reader.disclosure)
        out.append((key, "html", render_html(report, json_url=json_url(LEVEL, code, year)).encode()))
        out.append((key, "pdf", workers.print_pdf_later(render_html(report, pdf=True))))
    return out
