"""Organisation search: by name, former name or code, an exact code being the organisation itself.

Matching is word-order-free and ignores case, accents and apostrophes: the query and every name
are folded (Unicode NFKD without combining marks, apostrophes dropped, other punctuation as
spaces, lower case) and split into words; an organisation matches when every query word occurs in
its code or in one of its names (the name the warehouse holds and the other names of
``catalogue/organisation_aliases.csv``). "guys" finds GUY'S AND ST THOMAS' NHS FOUNDATION TRUST
and "merseyside cheshire" finds Cheshire and Merseyside.

Ranking: the exact code first, then organisations the warehouse holds figures for, then those
whose words start with every query word, then those matched by their own name rather than a
former one, then by level (region to provider) and name. No part of the order depends on the
order of the query's words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from cancerwatch.catalogue.organisation_aliases import organisation_aliases
from cancerwatch.catalogue.organisations import ORG_LEVELS
from cancerwatch.read.context import Reader
from cancerwatch.warehouse.organisation_index import organisation_index
from cancerwatch.warehouse.organisations import Organisation, find_organisation

PAGE_SIZE = 50
APOSTROPHES = "'’‘`´ʼ"


@dataclass
class SearchResults:
    """Organisations matching ``q``, one page of them, and the organisation ``q`` is the code of."""

    q: str
    rows: list[dict]
    total: int
    offset: int
    page_size: int
    exact: Organisation | None


def fold(text: str) -> str:
    """``text`` for matching: accents, apostrophes and case gone, other punctuation as single spaces.

    >>> fold("Guy’s and St Thomas' NHS Foundation Trust")
    'guys and st thomas nhs foundation trust'
    >>> fold("Hôpital  Saint-Étienne")
    'hopital saint etienne'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c) and c not in APOSTROPHES)
    return " ".join(re.sub(r"[\W_]+", " ", bare.casefold()).split())


def query_words(q: str) -> frozenset[str]:
    """The distinct folded words of a query (their order does not matter)."""
    return frozenset(fold(q).split())


@dataclass(frozen=True)
class _Entry:
    row: dict
    code: str
    names: tuple[str, ...]  # folded: own name first, then other names


def _index(reader: Reader) -> list[_Entry]:
    def compute() -> list[_Entry]:
        aliases = organisation_aliases()
        out = []
        for r in organisation_index(reader.con):
            others = aliases.get((r["level"], r["org_code"].upper()), ())
            row = {**r, "has_figures": bool(r["has_figures"]), "also_known_as": list(others)}
            out.append(
                _Entry(row, fold(r["org_code"]).replace(" ", ""), tuple(fold(n) for n in (r["org_name"], *others)))
            )
        return out

    return reader.memo(("search_index",), compute)


def _rank(e: _Entry, words: frozenset[str], exact: str) -> tuple | None:
    """Sort key of a match, or None when ``e`` does not match every word."""
    own_words = e.names[0].split()
    if not all(w in e.code or any(w in n for n in e.names) for w in words):
        return None
    matched_own = all(w in e.code or w in e.names[0] for w in words)
    starts = all(e.code.startswith(w) or any(t.startswith(w) for n in e.names for t in n.split()) for w in words)
    level = ORG_LEVELS.index(e.row["level"]) if e.row["level"] in ORG_LEVELS else len(ORG_LEVELS)
    return (
        e.code != exact,
        not e.row["has_figures"],
        not starts,
        not matched_own,
        level,
        len(own_words),
        e.row["org_name"].casefold(),
        e.row["org_code"],
    )


def search(
    reader: Reader,
    q: str,
    *,
    offset: int = 0,
    level: str | None = None,
    limit: int = PAGE_SIZE,
    every: bool = False,
) -> SearchResults:
    """Organisations matching every word of ``q`` (see the module); with ``every``, an empty ``q``
    lists every organisation (at ``level``)."""
    text = q.strip()
    exact = find_organisation(reader.con, text) if text else None
    words = query_words(text)
    if not words and not (every and not text):
        return SearchResults(text, [], 0, offset, limit, exact)
    code = fold(text).replace(" ", "")
    ranked = []
    for e in _index(reader):
        if level is not None and e.row["level"] != level:
            continue
        key = _rank(e, words, code)
        if key is not None:
            ranked.append((key, e.row))
    ranked.sort(key=lambda kr: kr[0])
    rows = [dict(r) for _, r in ranked[offset : offset + limit]]
    return SearchResults(text, rows, len(ranked), offset, limit, exact)
