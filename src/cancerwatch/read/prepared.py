"""Views prepared at load time, as the read layer finds them (storage: ``warehouse.prepared``).

Three kinds are kept, each the exact value the read layer would otherwise compute:

- ``metrics``: the rows of one validated :class:`~cancerwatch.queries.MetricQuery` (every
  organisation at a level and every period, with threshold, interval, England comparison and
  rank), or the "no figures" message when there are none;
- ``spc``: the variation policy's :class:`~cancerwatch.variation.SpcView` of one series;
- ``funnel``: the policy's :class:`~cancerwatch.variation.FunnelView` of one level and period.

Payloads are JSON of plain values only (strings, numbers, booleans, None, lists and dicts), so
decoding gives back values equal to the computed ones; a value holding anything else is not
prepared and is computed when read. Rows are unrounded: the viewer's disclosure policy is
applied afterwards, as for computed rows.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from datetime import date
from typing import Any

import duckdb

from cancerwatch.errors import NoData
from cancerwatch.queries import MetricQuery
from cancerwatch.variation import FunnelView, SpcView
from cancerwatch.warehouse.prepared import lookup

PLAIN = (str, int, float, bool, type(None))


def plain(value: object) -> bool:
    """True when ``value`` is made only of JSON's own types (so it survives a round trip unchanged)."""
    if isinstance(value, PLAIN):
        return True
    if isinstance(value, list):
        return all(plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and plain(v) for k, v in value.items())
    return False


def key_text(parts: tuple[Any, ...]) -> str:
    """A stable text key of a tuple of strings, dates, numbers and None."""
    return json.dumps([p.isoformat() if isinstance(p, date) else p for p in parts])


def query_key(query: MetricQuery) -> str:
    """The key of a validated metric query."""
    return key_text(tuple(getattr(query, f.name) for f in fields(query)))


def encode_rows(rows: list[dict] | NoData) -> str | None:
    """Payload of a query's rows (or of its "no figures" answer); None when not plain."""
    if isinstance(rows, NoData):
        return json.dumps({"no_data": str(rows)})
    return json.dumps({"rows": rows}) if plain(rows) else None


def encode_view(view: SpcView | FunnelView) -> str | None:
    """Payload of an SPC or funnel view; None when not plain."""
    body = asdict(view)
    return json.dumps(body) if plain(body) else None


def prepared_rows(con: duckdb.DuckDBPyConnection, query: MetricQuery) -> list[dict] | None:
    """The prepared rows of ``query`` (None when not prepared); raises NoData as ``metrics`` would."""
    payload = lookup(con, "metrics", query_key(query))
    if payload is None:
        return None
    body = json.loads(payload)
    if "no_data" in body:
        raise NoData(body["no_data"])
    rows: list[dict] = body["rows"]
    return rows


def prepared_spc(con: duckdb.DuckDBPyConnection, key: tuple[Any, ...]) -> SpcView | None:
    """The prepared SPC view under ``key`` (None when not prepared)."""
    payload = lookup(con, "spc", key_text(key))
    return None if payload is None else SpcView(**json.loads(payload))


def prepared_funnel(con: duckdb.DuckDBPyConnection, key: tuple[Any, ...]) -> FunnelView | None:
    """The prepared funnel view under ``key`` (None when not prepared)."""
    payload = lookup(con, "funnel", key_text(key))
    return None if payload is None else FunnelView(**json.loads(payload))
