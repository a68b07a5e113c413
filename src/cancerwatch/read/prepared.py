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
from collections.abc import Callable, Iterator
from dataclasses import asdict, fields
from datetime import date
from typing import Any

from cancerwatch.errors import NoData
from cancerwatch.queries import MetricQuery
from cancerwatch.read.context import Reader
from cancerwatch.variation import FunnelView, SpcView
from cancerwatch.warehouse.prepared import decoded, payloads

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


def lookup(reader: Reader, kind: str, key: str) -> str | None:
    """The payload prepared under ``(kind, key)`` for the current data version, if any.

    The reader keeps every prepared payload (compressed) from one read of the table, per
    warehouse version; each is decompressed when asked for."""
    found = reader.memo(("prepared-payloads",), lambda: payloads(reader.con)).get((kind, key))
    return None if found is None else decoded(found)


def prepared_rows(reader: Reader, query: MetricQuery) -> list[dict] | None:
    """The prepared rows of ``query`` (None when not prepared); raises NoData as ``metrics`` would."""
    payload = lookup(reader, "metrics", query_key(query))
    if payload is None:
        return None
    body = json.loads(payload)
    if "no_data" in body:
        raise NoData(body["no_data"])
    rows: list[dict] = body["rows"]
    return rows


def encode_level_months(kind: str, prefix: tuple[Any, ...], rows: list[dict]) -> Iterator[tuple[str, str, str]]:
    """``(kind, key, payload)`` of a level's rows, one per month (``period_start``), and the list of
    those months (an empty list when there are none), so a month without rows is known to have none."""
    months: dict[str, list[dict]] = {}
    for r in rows:
        months.setdefault(r["period_start"], []).append(r)
    kept = [m for m, part in months.items() if plain(part)]
    for month in kept:
        yield kind, key_text((*prefix, month)), json.dumps({"rows": months[month]})
    yield kind, key_text((*prefix, "months")), json.dumps(kept)


def has_level_months(reader: Reader, kind: str, prefix: tuple[Any, ...]) -> bool:
    """True when a level's rows were prepared month by month (:func:`encode_level_months`)."""
    return reader.prepared and lookup(reader, kind, key_text((*prefix, "months"))) is not None


def prepared_month_rows(reader: Reader, kind: str, prefix: tuple[Any, ...], month: str) -> list[dict] | None:
    """The prepared rows of one level and ``month`` (ISO date), [] when that level has none that
    month, None when nothing was prepared for it."""
    index = lookup(reader, kind, key_text((*prefix, "months")))
    if index is None:
        return None
    if month not in json.loads(index):
        return []
    payload = lookup(reader, kind, key_text((*prefix, month)))
    if payload is None:
        return None
    rows: list[dict] = json.loads(payload)["rows"]
    return rows


def level_month_rows(
    reader: Reader, kind: str, prefix: tuple[Any, ...], month: date, compute: Callable[[], list[dict]]
) -> list[dict]:
    """A level's rows in ``month``: prepared at load time when they are (:func:`encode_level_months`),
    else ``compute()`` ([] when it raises NoData); kept in the reader's memo either way."""

    def read() -> list[dict]:
        found = prepared_month_rows(reader, kind, prefix, month.isoformat()) if reader.prepared else None
        if found is not None:
            return found
        try:
            return compute()
        except NoData:
            return []

    return reader.memo((kind, "level-month", *prefix, month), read)


def prepared_spc(reader: Reader, key: tuple[Any, ...]) -> SpcView | None:
    """The prepared SPC view under ``key`` (None when not prepared)."""
    payload = lookup(reader, "spc", key_text(key))
    return None if payload is None else SpcView(**json.loads(payload))


def prepared_funnel(reader: Reader, key: tuple[Any, ...]) -> FunnelView | None:
    """The prepared funnel view under ``key`` (None when not prepared)."""
    payload = lookup(reader, "funnel", key_text(key))
    return None if payload is None else FunnelView(**json.loads(payload))
