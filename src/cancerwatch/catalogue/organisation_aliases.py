"""Other names an organisation is searched by (``organisation_aliases.csv``): the trusts a merged
trust was formed from, and well-known hospitals of a trust, each with its source.

The NHS Organisation Data Service (ODS) records successor organisations; the CWT workbooks name
only the current trust, so a search for a former name finds its successor here.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources


@cache
def organisation_aliases() -> dict[tuple[str, str], tuple[str, ...]]:
    """``(level, code)`` → the organisation's other names."""
    text = resources.files("cancerwatch.catalogue").joinpath("organisation_aliases.csv").read_text("utf-8")
    out: dict[tuple[str, str], list[str]] = {}
    for row in csv.DictReader(text.splitlines()):
        out.setdefault((row["level"], row["org_code"].upper()), []).append(row["alias"])
    return {k: tuple(v) for k, v in out.items()}
