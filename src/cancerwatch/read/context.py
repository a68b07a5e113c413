"""What every view needs: a warehouse cursor, the disclosure policy of the viewer, and a memo."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TypeVar

import duckdb

from cancerwatch.read.disclosure import Disclosure
from cancerwatch.warehouse.pool import DictMemo, Memo

T = TypeVar("T")


@dataclass
class Reader:
    """A cursor on the warehouse, the viewer's :class:`Disclosure`, and where results are kept.

    A server passes its :class:`~cancerwatch.warehouse.pool.Warehouse` as ``cache`` (results kept
    per warehouse version, shared by requests); a CLI command or a report uses a plain
    :class:`~cancerwatch.warehouse.pool.DictMemo`. Memoised values are shared: never change them.
    """

    con: duckdb.DuckDBPyConnection
    disclosure: Disclosure = field(default_factory=Disclosure)
    cache: Memo = field(default_factory=DictMemo)
    prepared: bool = True
    """Read views prepared at load time when there are any (False: always compute them)."""

    def memo(self, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
        """``compute()`` once per key (and per warehouse version, on a server)."""
        return self.cache.memo(key, compute)
