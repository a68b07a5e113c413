"""Compute, at load time, the views the pages read, and keep them in the warehouse.

:func:`prepare_views` runs inside a load's (or unload's) transaction, after the data version was
bumped (``ingest.load.write_parsed``, ``ingest.unload.unload_source``; the front ends pass it in).
It computes, through the same read-layer functions the pages call (so the values are the ones
they would compute):

at every level: the monthly and financial-year rows of every standard in the catalogue
(organisation pages, league tables, the annual report); for each headline standard
(:func:`~cancerwatch.catalogue.standards.headline_standards`) also the rows by route (monthly and
yearly), by cancer type (yearly) and by quarter (escalation), the SPC of every organisation's
monthly series and the latest month's funnel; and the organisation pages' panels: every level's
wait bands (FDS and 62-day) and DM01 rows, one payload per month; and the digest of what the load
changed (home page and full).

The standards of one shape at one level are one expression
(:func:`~cancerwatch.queries.metrics_of_standards`): each expression costs a fixed Ibis
compilation, so one per shape and level rather than one per standard keeps the preparation
short (docs/performance.md). Anything else a page asks for (a quarter of another standard, a
date range, one organisation's filter, record-level figures) is computed when first asked.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import duckdb

from cancerwatch.catalogue.diagnostics import ALL_TESTS
from cancerwatch.catalogue.organisations import LEVELS, NATIONAL_CODE, UNMAPPED_CODE
from cancerwatch.catalogue.standards import headline_standards
from cancerwatch.catalogue.standards import standards as all_standards
from cancerwatch.diagnostics_queries import LEVELS as DIAGNOSTICS_LEVELS
from cancerwatch.diagnostics_queries import DiagnosticsQuery, diagnostics
from cancerwatch.errors import CancerwatchError, NoData
from cancerwatch.queries import MetricQuery
from cancerwatch.read.changes import DIGEST_LEVELS, HOME_LEVELS, changes, digest_key, encode_digest
from cancerwatch.read.context import Reader
from cancerwatch.read.figures import funnel_for, level_rows, rows_together, spc_for
from cancerwatch.read.org_panels import WAIT_STANDARDS
from cancerwatch.read.prepared import encode_level_months, encode_rows, encode_view, key_text, query_key
from cancerwatch.wait_queries import WaitQuery, wait_distribution
from cancerwatch.warehouse.pool import DictMemo
from cancerwatch.warehouse.prepared import data_version, store

SHAPES = (
    (None, "month", False),
    (None, "year", False),
    ("route", "month", True),
    ("route", "year", True),
    ("cancer_type", "year", True),
    (None, "quarter", True),
)
"""(breakdown, period, headline standards only) of the metric rows prepared at each level."""


@dataclass(frozen=True)
class Prepared:
    """How many views were prepared, and for which data version."""

    version: int
    views: int


def _queries(chosen: Sequence[str], by: str | None, period: str, level: str) -> list[MetricQuery]:
    out = []
    for sid in chosen:
        try:
            out.append(MetricQuery(sid, level, period, by=by).validated())
        except CancerwatchError:
            continue
    return out


def _views(reader: Reader, every: Sequence[str], headline: Sequence[str]) -> Iterator[tuple[str, str, str]]:
    for level in LEVELS:
        for by, period, headline_only in SHAPES:
            queries = _queries(headline if headline_only else every, by, period, level)
            for query, rows in rows_together(reader, queries).items():
                payload = encode_rows(rows)
                if payload is not None:
                    yield "metrics", query_key(query), payload
        for sid in headline:
            codes = sorted({r["org_code"] for r in level_rows(reader, sid, level)} - {UNMAPPED_CODE})
            for code in [NATIONAL_CODE] if level == "national" else codes:
                spc = spc_for(reader, sid, level, None if level == "national" else code)
                body = encode_view(spc)
                if body is not None:
                    yield "spc", key_text(("spc", sid, level, code, "published")), body
            if level != "national":
                funnel = funnel_for(reader, sid, level)
                body = encode_view(funnel)
                if body is not None:
                    yield "funnel", key_text(("funnel", sid, level, "month", None, "published")), body
    yield from _panels(reader)
    for levels in (HOME_LEVELS, DIGEST_LEVELS):
        body = encode_digest(changes(reader, levels=levels))
        if body is not None:
            yield "changes", digest_key(levels), body


def _panels(reader: Reader) -> Iterator[tuple[str, str, str]]:
    """Every level's wait bands and DM01 rows, one payload per month (organisation pages' panels)."""
    for level in LEVELS:
        for sid in WAIT_STANDARDS:
            try:
                rows = wait_distribution(reader.con, WaitQuery(sid, level, None, "month", False, None, None))
            except NoData:
                rows = []
            yield from encode_level_months("waits", (sid, level), rows)
    for level in DIAGNOSTICS_LEVELS:
        for tests in ((), (ALL_TESTS,)):  # the page's panel; every test together (workforce panel)
            try:
                rows = diagnostics(reader.con, DiagnosticsQuery(level=level, tests=tests))
            except NoData:
                rows = []
            yield from encode_level_months("diagnostics", (level, *tests), rows)


def prepare_views(con: duckdb.DuckDBPyConnection, standards: Sequence[str] | None = None) -> Prepared:
    """Compute and keep the prepared views for the warehouse's current data version (see module doc).

    ``standards``: the standards to prepare (default: every standard in the catalogue, the
    headline ones with their breakdowns, SPC and funnels)."""
    version = data_version(con)
    if version is None:
        return Prepared(0, 0)
    reader = Reader(con, cache=DictMemo(), prepared=False)
    every = tuple(all_standards()) if standards is None else tuple(standards)
    headline = tuple(s for s in headline_standards() if s in every)
    return Prepared(version, store(con, version, _views(reader, every, headline)))
