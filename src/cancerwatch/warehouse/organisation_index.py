"""Every organisation a search can find, and whether the warehouse holds figures for it.

An organisation has figures when current published facts name it, or when it is the parent (at
its own level) of an organisation they name (an ICB, Alliance or region by roll-up). A fixed
statement with no parameters.
"""

from __future__ import annotations

import duckdb


def organisation_index(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """``org_code``, ``org_name``, ``level``, ``ons_code`` and ``has_figures`` of every organisation
    at a level of the hierarchy (England, hubs and unknown codes left out)."""
    cur = con.execute(
        """WITH f AS (SELECT DISTINCT org_code, basis FROM facts WHERE superseded_by IS NULL AND dataset = 'published'),
                parents AS (SELECT DISTINCT r.level, r.parent_code FROM org_rollup r
                            JOIN f ON f.org_code = r.org_code AND f.basis = r.basis)
           SELECT o.org_code, o.org_name, o.org_type AS level, o.ons_code,
                  (o.org_code IN (SELECT org_code FROM f)
                   OR EXISTS (SELECT 1 FROM parents p WHERE p.parent_code = o.org_code AND p.level = o.org_type))
                      AS has_figures
           FROM organisations o
           WHERE o.org_type IN ('region', 'alliance', 'icb', 'sub_icb', 'provider')
           ORDER BY o.org_name, o.org_code"""
    )
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
