"""Warehouse look-ups the web pages and the API need beyond ``queries.py``.

Organisations (search, one by code, members of a parent) and the data page's summaries
(revisions, unmapped codes). Every statement is fixed text with parameters: no SQL is built
from request values.
"""

from __future__ import annotations

from datetime import date

import duckdb

from cancerwatch.catalogue.organisations import NATIONAL_CODE, NATIONAL_NAME

ORG_LEVELS = ("region", "alliance", "icb", "sub_icb", "provider")
LEVEL_NAMES = {
    "national": "England",
    "region": "NHS England region",
    "alliance": "Cancer Alliance",
    "icb": "Integrated care board",
    "sub_icb": "Sub-ICB location",
    "provider": "Provider (NHS trust)",
}
LEVEL_PLURALS = {
    "national": "England",
    "region": "Regions",
    "alliance": "Cancer Alliances",
    "icb": "Integrated care boards",
    "sub_icb": "Sub-ICB locations",
    "provider": "Providers",
}


def _dicts(cur: duckdb.DuckDBPyConnection) -> list[dict]:
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def search_organisations(
    con: duckdb.DuckDBPyConnection, *, q: str | None, level: str | None, limit: int, offset: int
) -> tuple[list[dict], int]:
    """Organisations whose code or name contains ``q`` (case-insensitive), and how many match.

    Exact code matches sort first, then names starting with ``q``, then the rest by name.
    """
    text = (q or "").strip().lower()
    params = {"q": text, "like": f"%{text}%", "level": level}
    total = con.execute(
        """SELECT count(*) FROM organisations
           WHERE org_type IN ('region', 'alliance', 'icb', 'sub_icb', 'provider')
             AND ($level IS NULL OR org_type = $level)
             AND ($q = '' OR lower(org_code) LIKE $like OR lower(org_name) LIKE $like)""",
        params,
    ).fetchone()[0]
    rows = _dicts(
        con.execute(
            """SELECT org_code, org_name, org_type AS level, ons_code FROM organisations
               WHERE org_type IN ('region', 'alliance', 'icb', 'sub_icb', 'provider')
                 AND ($level IS NULL OR org_type = $level)
                 AND ($q = '' OR lower(org_code) LIKE $like OR lower(org_name) LIKE $like)
               ORDER BY lower(org_code) = $q DESC, starts_with(lower(org_name), $q) DESC, org_name, org_code
               LIMIT $limit OFFSET $offset""",
            {**params, "limit": limit, "offset": offset},
        )
    )
    return rows, int(total)


def find_organisation(con: duckdb.DuckDBPyConnection, code: str, level: str | None = None) -> dict | None:
    """The organisation with this code (at ``level`` if given), or None; ``ENG`` is England."""
    code = code.strip().upper()
    if code == NATIONAL_CODE and level in (None, "national"):
        return {"org_code": NATIONAL_CODE, "org_name": NATIONAL_NAME, "level": "national", "ons_code": "E92000001"}
    rows = _dicts(
        con.execute(
            """SELECT org_code, org_name, org_type AS level, ons_code FROM organisations
               WHERE upper(org_code) = ? AND org_type IN ('region', 'alliance', 'icb', 'sub_icb', 'provider')
                 AND (? IS NULL OR org_type = ?)
               ORDER BY org_type""",
            [code, level, level],
        )
    )
    return rows[0] if rows else None


def member_codes(con: duckdb.DuckDBPyConnection, *, basis: str, level: str, parent_code: str, on: date) -> list[str]:
    """Organisations whose ``org_rollup`` parent at ``level`` on ``basis`` is ``parent_code`` on ``on``.

    For an Alliance on the provider basis these are its member providers.
    """
    rows = con.execute(
        """SELECT DISTINCT org_code FROM org_rollup
           WHERE basis = ? AND level = ? AND parent_code = ? AND valid_from <= ?
             AND (valid_to IS NULL OR valid_to >= ?)
           ORDER BY org_code""",
        [basis, level, parent_code, on, on],
    ).fetchall()
    return [r[0] for r in rows]


def parents_of(con: duckdb.DuckDBPyConnection, code: str) -> list[dict]:
    """The organisation's parents (ICB, Alliance, region) with names, for breadcrumbs."""
    return _dicts(
        con.execute(
            """WITH p AS (
                   SELECT DISTINCT level, parent_code FROM org_rollup WHERE org_code = ? AND valid_to IS NULL
                   UNION
                   SELECT DISTINCT parent_type, parent_code FROM org_hierarchy WHERE child_code = ? AND valid_to IS NULL
               )
               SELECT p.level, p.parent_code AS org_code, coalesce(o.org_name, p.parent_code) AS org_name
               FROM p LEFT JOIN organisations o ON o.org_code = p.parent_code AND o.org_type = p.level
               WHERE p.level IN ('region', 'alliance', 'icb')
               ORDER BY CASE p.level WHEN 'region' THEN 1 WHEN 'alliance' THEN 2 ELSE 3 END""",
            [code, code],
        )
    )


def revision_rows(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Which loaded file revised which earlier file's figures, and over which months."""
    return _dicts(
        con.execute(
            """SELECT f.superseded_by AS revised_by, n.file_name AS revised_by_file, f.source_id,
                      o.file_name, f.basis, f.standard, strftime(min(f.period), '%Y-%m') AS first_month,
                      strftime(max(f.period), '%Y-%m') AS last_month, count(*) AS facts
               FROM facts f
               JOIN sources o ON o.source_id = f.source_id
               JOIN sources n ON n.source_id = f.superseded_by
               WHERE f.superseded_by IS NOT NULL
               GROUP BY ALL ORDER BY revised_by DESC, f.source_id DESC, f.standard"""
        )
    )


def unmapped_code_rows(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Organisation codes in current facts that no reference data names (kept, reported)."""
    return _dicts(
        con.execute(
            """SELECT f.org_code, f.basis, count(*) AS facts, sum(f.total) AS patients,
                      string_agg(DISTINCT s.file_name, '; ') AS files
               FROM facts f JOIN sources s ON s.source_id = f.source_id
               WHERE f.superseded_by IS NULL
                 AND f.org_code NOT IN (SELECT org_code FROM organisations)
               GROUP BY f.org_code, f.basis ORDER BY patients DESC, f.org_code"""
        )
    )


def warehouse_counts(con: duckdb.DuckDBPyConnection) -> dict:
    """Headline counts of the data page."""
    row = con.execute(
        """SELECT (SELECT count(*) FROM sources), (SELECT count(*) FROM facts WHERE superseded_by IS NULL),
                  (SELECT count(*) FROM facts WHERE superseded_by IS NOT NULL), (SELECT count(*) FROM quarantine),
                  (SELECT count(*) FROM organisations)"""
    ).fetchone()
    keys = ("sources", "current_facts", "superseded_facts", "quarantined_rows", "organisations")
    return dict(zip(keys, row, strict=True))
