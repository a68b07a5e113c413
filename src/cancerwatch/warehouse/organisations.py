"""Organisations in the warehouse: search, one by code, names, members of a parent, parents.

Every statement is fixed text with parameters: no SQL is built from request values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from cancerwatch.catalogue.organisations import (
    LEVEL_LABELS,
    NATIONAL_CODE,
    NATIONAL_NAME,
    NATIONAL_ONS_CODE,
    ORG_LEVELS,
    default_basis,
)
from cancerwatch.errors import UnknownOrg


@dataclass(frozen=True)
class Organisation:
    """An organisation at one level (England is level ``national``, code ``ENG``)."""

    code: str
    name: str
    level: str
    basis: str
    ons_code: str | None = None

    @property
    def level_label(self) -> str:
        """``Cancer Alliance``, ``provider`` …"""
        return LEVEL_LABELS[self.level]

    @property
    def peer_level(self) -> str:
        """Level of the organisations it is compared with (Alliances for England)."""
        return "alliance" if self.level == "national" else self.level

    def as_row(self) -> dict:
        """The API shape: ``org_code``, ``org_name``, ``level``, ``ons_code``."""
        return {"org_code": self.code, "org_name": self.name, "level": self.level, "ons_code": self.ons_code}


ENGLAND = Organisation(NATIONAL_CODE, NATIONAL_NAME, "national", "provider", NATIONAL_ONS_CODE)


def _dicts(cur: duckdb.DuckDBPyConnection) -> list[dict]:
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def find_organisation(con: duckdb.DuckDBPyConnection, code: str, level: str | None = None) -> Organisation | None:
    """The organisation with this code (at ``level`` if given), or None; ``ENG`` is England.

    A code held at several levels (an ICB code is also its own Alliance's member list key) gives
    the first of ``ORG_LEVELS``' order.
    """
    code = code.strip().upper()
    if code in (NATIONAL_CODE, "ENGLAND"):
        return ENGLAND if level in (None, "national") else None
    rows = con.execute(
        """SELECT org_type, org_name, ons_code FROM organisations
           WHERE upper(org_code) = ? AND org_type IN ('region', 'alliance', 'icb', 'sub_icb', 'provider')""",
        [code],
    ).fetchall()
    found = {t: (name, ons) for t, name, ons in rows}
    for lvl in ORG_LEVELS:
        if lvl in found and level in (None, lvl):
            name, ons = found[lvl]
            return Organisation(code, name, lvl, default_basis(lvl), ons)
    return None


def get_organisation(con: duckdb.DuckDBPyConnection, code: str, level: str | None = None) -> Organisation:
    """:func:`find_organisation`, or UnknownOrg naming the code (and level)."""
    org = find_organisation(con, code, level)
    if org is None:
        where = f" at level {level}" if level else ""
        raise UnknownOrg(f"no organisation {code.strip().upper()!r}{where} in the warehouse")
    return org


def search_organisations(
    con: duckdb.DuckDBPyConnection, *, q: str | None, level: str | None, limit: int, offset: int
) -> tuple[list[dict], int]:
    """Organisations whose code or name contains ``q`` (case-insensitive), and how many match.

    Exact code matches sort first, then names starting with ``q``, then the rest by name.
    """
    text = (q or "").strip().lower()
    params = {"q": text, "like": f"%{text}%", "level": level}
    counted = con.execute(
        """SELECT count(*) FROM organisations
           WHERE org_type IN ('region', 'alliance', 'icb', 'sub_icb', 'provider')
             AND ($level IS NULL OR org_type = $level)
             AND ($q = '' OR lower(org_code) LIKE $like OR lower(org_name) LIKE $like)""",
        params,
    ).fetchone()
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
    return rows, int(counted[0]) if counted else 0


def org_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Organisation code → name (first name seen for a code)."""
    names: dict[str, str] = {}
    for code, name in con.execute("SELECT org_code, org_name FROM organisations ORDER BY org_type").fetchall():
        names.setdefault(code, name)
    return names


def ons_to_ods(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """(level, ONS code) → ODS code of the organisations that have an ONS code."""
    rows = con.execute("SELECT org_type, ons_code, org_code FROM organisations WHERE ons_code IS NOT NULL").fetchall()
    return {(t, ons): code for t, ons, code in rows}


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


def members_by_parent(con: duckdb.DuckDBPyConnection, *, basis: str, level: str, on: date) -> dict[str, list[str]]:
    """:func:`member_codes` of every parent at ``level`` on ``basis`` on ``on``, from one query."""
    rows = con.execute(
        """SELECT DISTINCT parent_code, org_code FROM org_rollup
           WHERE basis = ? AND level = ? AND valid_from <= ? AND (valid_to IS NULL OR valid_to >= ?)
           ORDER BY parent_code, org_code""",
        [basis, level, on, on],
    ).fetchall()
    out: dict[str, list[str]] = {}
    for parent, code in rows:
        out.setdefault(parent, []).append(code)
    return out


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
