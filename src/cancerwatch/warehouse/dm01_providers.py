"""Name and place the providers that only DM01 knows (independent sector, mostly N-codes).

The ODS trust file lists NHS trusts only. NHS England's DM01 diagnostics file names every
provider that reports diagnostic tests, independent-sector ones included, with the NHS England
region it reports under. For every provider in the current DM01 figures that the ODS trust file
does not list, this adds (inside the organisation rebuild, ``warehouse/hierarchy.py``):

- an ``organisations`` row: the name DM01 gives it in its latest month;
- its region in ``org_hierarchy`` and ``org_rollup`` (provider basis), dated: each run of
  consecutive DM01 months under one region is one relationship; the first run also covers the
  months before DM01's first (as the ODS trust file's current region does for trusts), the last
  stays open. A provider that moves region (Pioneer Healthcare, NEY: North East and Yorkshire to
  South East in July 2025) therefore counts towards each region for its own months.

No public file bundled here places independent-sector providers in an ICB or Cancer Alliance, so
they have none: at those levels they stay visibly "not mapped" (``UNMAPPED``).
"""

from __future__ import annotations

import duckdb

DM01_SOURCE = "NHS England DM01 diagnostics (provider name and region as published)"
BEFORE_ANY_DATA = "1990-01-01"  # the same open start the ODS trust file's relationships use

_CURRENT = """
    SELECT r.* FROM ref_providers_dm01 r
    WHERE (r.source_id, r.period) IN (SELECT DISTINCT source_id, period FROM diagnostics_facts
                                      WHERE superseded_by IS NULL)
      AND r.org_code NOT IN (SELECT org_code FROM ref_trusts)
"""


def add_dm01_providers(con: duckdb.DuckDBPyConnection) -> None:
    """Add DM01-only providers and their dated regions (inside the caller's transaction)."""
    con.execute(
        f"""
        INSERT INTO organisations
        SELECT org_code, arg_max(org_name, period), 'provider', NULL, NULL, NULL, ?
        FROM ({_CURRENT}) GROUP BY org_code
        """,  # noqa: S608 - constant text only
        [DM01_SOURCE],
    )
    runs = f"""
        WITH cur AS ({_CURRENT}),
        numbered AS (
            SELECT org_code, region_code, period,
                   row_number() OVER (PARTITION BY org_code ORDER BY period)
                 - row_number() OVER (PARTITION BY org_code, region_code ORDER BY period) AS run
            FROM cur
            WHERE region_code IN (SELECT org_code FROM organisations WHERE org_type = 'region')
        ),
        spans AS (
            SELECT org_code, region_code, min(period) AS first_month FROM numbered GROUP BY org_code, region_code, run
        )
        SELECT org_code, region_code,
               CASE WHEN row_number() OVER w = 1 THEN DATE '{BEFORE_ANY_DATA}' ELSE first_month END AS valid_from,
               lead(first_month) OVER w - INTERVAL 1 DAY AS valid_to
        FROM spans WINDOW w AS (PARTITION BY org_code ORDER BY first_month)
    """  # noqa: S608 - constant text only
    con.execute(
        f"""INSERT INTO org_hierarchy
            SELECT org_code, 'provider', region_code, 'region', valid_from, valid_to::DATE, ? FROM ({runs})""",  # noqa: S608
        [DM01_SOURCE],
    )
    con.execute(
        """INSERT INTO org_rollup
           SELECT 'provider', child_code, 'region', parent_code, valid_from, valid_to
           FROM org_hierarchy WHERE source = ? AND child_type = 'provider' AND parent_type = 'region'""",
        [DM01_SOURCE],
    )
