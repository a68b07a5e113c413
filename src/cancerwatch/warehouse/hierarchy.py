"""Rebuild ``organisations``, ``org_hierarchy`` and ``org_rollup`` from the loaded reference
files plus cancerwatch's own Alliance mapping (catalogue/organisations.py).

``org_hierarchy`` keeps every dated parent relationship; ``org_rollup`` flattens it into
"organisation X counts towards Y at level L between these dates", per basis, which is what
metrics join on. Organisations with no row at a level (independent-sector providers,
commissioning hubs, ``UNKNOWN``) are reported as unmapped, never dropped.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from cancerwatch.catalogue.organisations import NATIONAL_CODE, NATIONAL_NAME, packaged_rows
from cancerwatch.warehouse.dm01_providers import add_dm01_providers

CATALOGUE_SOURCE = "cancerwatch catalogue (docs/methods.md, Cancer Alliances)"


def _register_catalogue(con: duckdb.DuckDBPyConnection) -> None:
    for name in (
        "alliances",
        "icb_alliance",
        "sub_icb_alliance_overrides",
        "provider_alliance_overrides",
        "commissioning_hubs",
        "tumour_groups",
    ):
        rows = packaged_rows(f"{name}.csv")
        cols = list(rows[0].keys())
        table = pa.table({c: [r[c] or None for r in rows] for c in cols})
        con.register(f"cat_{name}", table)


def rebuild_organisations(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute the organisation tables inside the caller's transaction."""
    _register_catalogue(con)
    con.execute("DELETE FROM organisations")
    con.execute("DELETE FROM org_hierarchy")
    con.execute("DELETE FROM org_rollup")
    con.execute(
        """
        INSERT INTO organisations
        SELECT DISTINCT region_code, region_name, 'region', region_ons, NULL::DATE, NULL::DATE, 'ONS sub-ICB lookup'
          FROM ref_sub_icb_lookup
        UNION ALL SELECT DISTINCT icb_code, icb_name, 'icb', icb_ons, NULL, NULL, 'ONS sub-ICB lookup'
          FROM ref_sub_icb_lookup
        UNION ALL SELECT DISTINCT sub_icb_code, sub_icb_name, 'sub_icb', sub_icb_ons, NULL, NULL, 'ONS sub-ICB lookup'
          FROM ref_sub_icb_lookup
        UNION ALL SELECT org_code, org_name, 'provider', NULL, open_date, close_date, 'ODS etr trust file'
          FROM (SELECT DISTINCT ON (org_code) * FROM ref_trusts)
        UNION ALL SELECT alliance_code, alliance_name, 'alliance', ons_code, valid_from::DATE, valid_to::DATE, $source
          FROM cat_alliances
        UNION ALL SELECT org_code, org_name, 'hub', NULL, NULL, NULL, source FROM cat_commissioning_hubs
        UNION ALL SELECT 'UNKNOWN', 'Unknown commissioner', 'unknown', NULL, NULL, NULL, 'NHS England extracts'
        UNION ALL SELECT $code, $name, 'national', 'E92000001', NULL, NULL, 'ONS'
    """,
        {"source": CATALOGUE_SOURCE, "code": NATIONAL_CODE, "name": NATIONAL_NAME},
    )
    con.execute(
        """
        INSERT INTO org_hierarchy
        WITH ia AS (  -- ICB -> Alliance rows; the first configuration of an ICB also covers its CCG-era months
            SELECT *, valid_from = min(valid_from) OVER (PARTITION BY icb_code) AS first_row FROM cat_icb_alliance
        )
        SELECT sub_icb_code, 'sub_icb', icb_code, 'icb', valid_from, NULL, 'ONS sub-ICB lookup'
          FROM ref_sub_icb_lookup
        UNION ALL SELECT DISTINCT icb_code, 'icb', region_code, 'region', valid_from, NULL, 'ONS sub-ICB lookup'
          FROM ref_sub_icb_lookup
        UNION ALL SELECT l.sub_icb_code, 'sub_icb', coalesce(o.alliance_code, a.alliance_code), 'alliance',
                         CASE WHEN a.first_row THEN l.valid_from
                              ELSE greatest(l.valid_from, coalesce(o.valid_from, a.valid_from)::DATE) END,
                         coalesce(o.valid_to, a.valid_to)::DATE, coalesce(o.source, a.source)
          FROM ref_sub_icb_lookup l
          LEFT JOIN cat_sub_icb_alliance_overrides o ON o.sub_icb_code = l.sub_icb_code
          LEFT JOIN ia a ON a.icb_code = l.icb_code AND o.sub_icb_code IS NULL
         WHERE coalesce(o.alliance_code, a.alliance_code) IS NOT NULL
        UNION ALL SELECT icb_code, 'icb', alliance_code, 'alliance', valid_from::DATE, valid_to::DATE, source
          FROM cat_icb_alliance
        UNION ALL SELECT t.org_code, 'provider', t.icb_code, 'icb', coalesce(t.open_date, DATE '1990-01-01'),
                         t.close_date, 'ODS etr trust file'
          FROM ref_trusts t WHERE t.icb_code IN (SELECT icb_code FROM ref_sub_icb_lookup)
        UNION ALL SELECT t.org_code, 'provider', t.region_code, 'region', coalesce(t.open_date, DATE '1990-01-01'),
                         t.close_date, 'ODS etr trust file'
          FROM ref_trusts t WHERE t.region_code IN (SELECT region_code FROM ref_sub_icb_lookup)
        UNION ALL SELECT * FROM (
            SELECT t.org_code, 'provider', coalesce(o.alliance_code, a.alliance_code), 'alliance',
                   CASE WHEN a.first_row THEN coalesce(t.open_date, DATE '1990-01-01')
                        ELSE greatest(coalesce(t.open_date, DATE '1990-01-01'),
                                      coalesce(o.valid_from, a.valid_from)::DATE)
                   END AS f,
                   least(t.close_date, coalesce(o.valid_to, a.valid_to)::DATE) AS t_, coalesce(o.source, a.source)
              FROM ref_trusts t
              LEFT JOIN cat_provider_alliance_overrides o ON o.provider_code = t.org_code
              LEFT JOIN ia a ON a.icb_code = t.icb_code AND o.provider_code IS NULL
             WHERE coalesce(o.alliance_code, a.alliance_code) IS NOT NULL)
         WHERE t_ IS NULL OR t_ >= f
        UNION ALL SELECT alliance_code, 'alliance', region_code, 'region', valid_from::DATE, valid_to::DATE, $source
          FROM cat_alliances
    """,
        {"source": CATALOGUE_SOURCE},
    )
    # Flatten: commissioner basis (sub-ICB and ICB rows), provider basis (trust rows).
    con.execute("""
        INSERT INTO org_rollup
        SELECT 'commissioner', child_code, 'sub_icb', child_code, valid_from, valid_to
          FROM org_hierarchy WHERE child_type = 'sub_icb' AND parent_type = 'icb'
        UNION ALL SELECT 'commissioner', child_code, parent_type, parent_code, valid_from, valid_to
          FROM org_hierarchy WHERE child_type = 'sub_icb' AND parent_type IN ('icb', 'alliance')
        UNION ALL SELECT 'commissioner', s.child_code, 'region', r.parent_code, s.valid_from, s.valid_to
          FROM org_hierarchy s JOIN org_hierarchy r
            ON r.child_type = 'icb' AND r.parent_type = 'region' AND r.child_code = s.parent_code
         WHERE s.child_type = 'sub_icb' AND s.parent_type = 'icb'
        UNION ALL SELECT 'commissioner', child_code, 'icb', child_code, valid_from, valid_to
          FROM org_hierarchy WHERE child_type = 'icb' AND parent_type = 'region'
        UNION ALL SELECT 'commissioner', child_code, parent_type, parent_code, valid_from, valid_to
          FROM org_hierarchy WHERE child_type = 'icb' AND parent_type IN ('alliance', 'region')
        UNION ALL SELECT 'provider', child_code, parent_type, parent_code, valid_from, valid_to
          FROM org_hierarchy WHERE child_type = 'provider'
    """)
    con.execute("DELETE FROM tumour_map WHERE source LIKE 'NHS England technical note%'")
    if con.execute("SELECT count(*) FROM tumour_map").fetchone()[0] == 0:
        con.execute("INSERT INTO tumour_map SELECT group_2023, group_2022, source FROM cat_tumour_groups")
    for name in (
        "alliances",
        "icb_alliance",
        "sub_icb_alliance_overrides",
        "provider_alliance_overrides",
        "commissioning_hubs",
        "tumour_groups",
    ):
        con.unregister(f"cat_{name}")
    # Independent-sector providers the ODS trust file does not list: named and placed in their
    # region from DM01 (warehouse/dm01_providers.py).
    add_dm01_providers(con)
    add_published_names(con)


def add_published_names(con: duckdb.DuckDBPyConnection) -> None:
    """Name the organisations no reference file names, as the latest CWT workbook that lists them
    does (independent-sector providers reporting under an organisation code, such as NT4). They
    get a name and nothing else: no public file bundled places them in an ICB, Alliance or region,
    so at those levels they stay visibly "not mapped"."""
    con.execute(
        """INSERT INTO organisations
           SELECT n.org_code, arg_max(n.org_name, n.source_id),
                  CASE n.basis WHEN 'provider' THEN 'provider' ELSE 'commissioner' END, NULL, NULL, NULL,
                  'name as published in the NHS England CWT workbooks'
           FROM ref_published_names n
           WHERE n.basis = 'provider' AND n.org_code NOT IN (SELECT org_code FROM organisations)
           GROUP BY n.org_code, n.basis"""
    )
