"""Wait distributions: the published waits of a standard in day bands (``wait_queries``), as the
viewer sees them.

NHS England's monthly workbooks publish the bands (October 2023 on), so they are shown as
published, unrounded, in public mode too (:mod:`.disclosure`): the rows are the read API's, unchanged (memoised: do not
change them).
"""

from __future__ import annotations

from dataclasses import dataclass

from cancerwatch.read.context import Reader
from cancerwatch.wait_queries import WaitQuery, wait_distribution

WAIT_DATASET = "published"


@dataclass
class WaitTable:
    """Rows per period × organisation (× route) × band, and the disclosure rule applied to them."""

    query: WaitQuery
    rows: list[dict]
    disclosure: str


def wait_table(reader: Reader, query: WaitQuery) -> WaitTable:
    """The wait distribution of ``query`` (kept per warehouse version)."""
    rows = reader.memo(("waits", query), lambda: wait_distribution(reader.con, query))
    return WaitTable(query, rows, reader.disclosure.label(WAIT_DATASET))
