"""Compute, at load time, the views the pages read, and keep them in the warehouse.

:func:`prepare_views` runs inside a load's (or unload's) transaction, after the data version was
bumped (``ingest.load.write_parsed``, ``ingest.unload.unload_source``; the front ends pass it in).
It computes, through the same read-layer functions the pages call (so the values are the ones
they would compute):

for each headline standard (:func:`~cancerwatch.catalogue.standards.headline_standards`), at
every level, the monthly rows of every organisation (threshold, 95% interval, England
comparison, rank), the rows by route (organisation pages) and the financial-year rows (the
annual report's peers), the SPC of every organisation's monthly series and the latest month's
funnel.

Anything else a page asks for (another standard, a quarter, a date range, one organisation's
filter, record-level figures) is computed when first asked, as before. Each metric expression
costs a fixed Ibis compilation (about half a second on an idle 2-core machine), which is why
the set is the pages' defaults rather than every combination (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import duckdb

from cancerwatch.catalogue.organisations import LEVELS, NATIONAL_CODE, UNMAPPED_CODE
from cancerwatch.catalogue.standards import headline_standards
from cancerwatch.errors import CancerwatchError, NoData
from cancerwatch.queries import MetricQuery
from cancerwatch.read.context import Reader
from cancerwatch.read.figures import funnel_for, level_rows, rows_of, spc_for
from cancerwatch.read.prepared import encode_rows, encode_view, key_text, query_key
from cancerwatch.warehouse.pool import DictMemo
from cancerwatch.warehouse.prepared import data_version, store

SHAPES = ((None, "month"), ("route", "month"), (None, "year"))
"""(breakdown, period) of the metric rows prepared for each standard and level."""


@dataclass(frozen=True)
class Prepared:
    """How many views were prepared, and for which data version."""

    version: int
    views: int


def _views(reader: Reader, standards: Sequence[str]) -> Iterator[tuple[str, str, str]]:
    for sid in standards:
        for level in LEVELS:
            for by, period in SHAPES:
                try:
                    query = MetricQuery(sid, level, period, by=by).validated()
                except CancerwatchError:
                    continue
                try:
                    rows: list[dict] | NoData = rows_of(reader, query)
                except NoData as exc:
                    rows = exc
                payload = encode_rows(rows)
                if payload is not None:
                    yield "metrics", query_key(query), payload
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


def prepare_views(con: duckdb.DuckDBPyConnection, standards: Sequence[str] | None = None) -> Prepared:
    """Compute and keep the prepared views for the warehouse's current data version (see module doc).

    ``standards``: the standards to prepare (default: the headline standards)."""
    version = data_version(con)
    if version is None:
        return Prepared(0, 0)
    reader = Reader(con, cache=DictMemo(), prepared=False)
    chosen = headline_standards() if standards is None else tuple(standards)
    return Prepared(version, store(con, version, _views(reader, chosen)))
