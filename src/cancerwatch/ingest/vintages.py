"""Which loaded figures are current: the vintage rules, decided from what the files say.

NHS England publishes each month more than once (a provisional release, then a final one, and
the same months again in a later extract or workbook). cancerwatch keeps every vintage and marks
the older ones ``superseded_by`` the current one. The choice never depends on the order files
were loaded in; it is recomputed from the files' own statements after every load and unload.

For published facts (and wait bands) of one basis, month and standard:

1. **Vintage order** of the files that give the month, newest first: the stated status (a file
   whose Frontpage says "Final", or whose name says "Final", before any other), then the later
   end of the file's coverage (NHS England publishes monthly, so a file covering later months was
   published later), then a monthly workbook before an extract (the workbook carries its own
   England check), then the SHA-256 of the file (an arbitrary but fixed order for files that say
   nothing to tell them apart).
2. **One grain per month.** Commissioner-based figures come at sub-ICB location grain (the ICB
   sub-location extract, the legacy workbooks of 2021) or at ICB grain (the monthly commissioner
   workbooks, the legacy workbooks from July 2022). The grain of the newest file is used for the
   month at every level, so an ICB always equals the sum of its sub-ICB locations where those
   exist; figures at the other grain are kept, superseded. (October 2023: the final ICB workbook
   is newer than the provisional sub-ICB extract, so sub-ICB figures start again only where a
   sub-ICB file is the newest.)
3. **Per organisation.** Each organisation's figures come from the newest file that has figures
   for it, so a file covering some organisations supersedes only those.
4. **Complete publications.** A monthly workbook proves it covers all of England (its rows add up
   to its ALL ENGLISH row). Where it is the newest file, an organisation it does not list has no
   current figures for that month (older figures for it are superseded by the workbook), so a
   revision that drops an organisation is followed.

National time series: for each period and standard, the series whose coverage ends later is
current (then SHA-256), so an older series loaded after a newer one does not replace it.

Record-level facts (``dataset = 'record'``) follow their own rule (``ingest.readers.pathways``).
"""

from __future__ import annotations

import duckdb

#: Ranks used in the vintage order (higher is newer or preferred).
STATUS_RANK_SQL = "CASE WHEN s.status = 'final' THEN 2 ELSE 1 END"
KIND_RANK_SQL = "CASE s.kind WHEN 'cwt_workbook' THEN 2 WHEN 'cwt_provider' THEN 1 WHEN 'cwt_sub_icb' THEN 1 ELSE 0 END"
#: Finer grains first: the grain used for a commissioner-based month is the first one loaded.
GRAIN_ORDER_SQL = "CASE s.grain WHEN 'provider' THEN 1 WHEN 'sub_icb' THEN 1 WHEN 'icb' THEN 2 ELSE 3 END"

_MAPPING_SQL = f"""
CREATE OR REPLACE TEMP TABLE _vintage_map AS
WITH keys AS (
    SELECT DISTINCT basis, period, standard, org_code, source_id FROM {{table}} WHERE {{where}}
),
cand AS (
    SELECT k.*, s.complete, {GRAIN_ORDER_SQL} AS grain_order,
           dense_rank() OVER (PARTITION BY k.basis, k.period, k.standard
                              ORDER BY {STATUS_RANK_SQL} DESC, s.last_month DESC,
                                       {KIND_RANK_SQL} DESC, s.sha256 DESC) AS month_rank
    FROM keys k JOIN sources s USING (source_id)
    WHERE s.unloaded_at IS NULL
),
grain AS (  -- the grain of the newest file for each basis, month and standard
    SELECT basis, period, standard, arg_min(grain_order, month_rank) AS grain_order,
           arg_min(source_id, month_rank) AS best_source
    FROM cand GROUP BY ALL
),
complete AS (  -- the newest complete publication at that grain
    SELECT c.basis, c.period, c.standard, min(c.month_rank) AS complete_rank,
           arg_min(c.source_id, c.month_rank) AS complete_source
    FROM cand c JOIN grain g USING (basis, period, standard)
    WHERE c.complete AND c.grain_order = g.grain_order GROUP BY ALL
),
winner AS (  -- each organisation's newest file at that grain
    SELECT c.basis, c.period, c.standard, c.org_code,
           arg_min(c.source_id, c.month_rank) AS source_id, min(c.month_rank) AS month_rank
    FROM cand c JOIN grain g USING (basis, period, standard)
    WHERE c.grain_order = g.grain_order GROUP BY ALL
)
SELECT c.basis, c.period, c.standard, c.org_code, c.source_id,
       CASE
         WHEN c.grain_order <> g.grain_order THEN g.best_source
         WHEN p.complete_rank IS NOT NULL AND w.month_rank > p.complete_rank THEN p.complete_source
         WHEN c.source_id = w.source_id THEN NULL
         ELSE w.source_id
       END AS superseded_by
FROM cand c
JOIN grain g USING (basis, period, standard)
LEFT JOIN winner w USING (basis, period, standard, org_code)
LEFT JOIN complete p USING (basis, period, standard)
"""  # noqa: S608 - fixed fragments defined above


def recompute_current(con: duckdb.DuckDBPyConnection) -> None:
    """Set ``superseded_by`` on every published fact, wait band and national-series row from the
    vintage rules (module docstring). Runs inside the caller's transaction."""
    for table in ("facts", "wait_bands"):
        # Wait bands come from the workbooks only: their vintages are decided among the files that
        # have bands, so an extract that is current for a month's figures does not remove its bands.
        dataset = "AND t.dataset = 'published'" if table == "facts" else ""
        where = "dataset = 'published'" if table == "facts" else "true"
        con.execute(_MAPPING_SQL.format(table=table, where=where))
        con.execute(
            f"""UPDATE {table} AS t SET superseded_by = m.superseded_by
                FROM _vintage_map m
                WHERE t.source_id = m.source_id AND t.basis = m.basis AND t.period = m.period
                  AND t.standard = m.standard AND t.org_code = m.org_code {dataset}
                  AND t.superseded_by IS DISTINCT FROM m.superseded_by"""  # noqa: S608 - fixed table names
        )
        con.execute("DROP TABLE _vintage_map")
    con.execute(
        """UPDATE national_series AS t SET superseded_by = m.superseded_by
           FROM (SELECT n.source_id, n.period_type, n.period_start, n.standard,
                        CASE WHEN n.source_id = first_value(n.source_id) OVER w THEN NULL
                             ELSE first_value(n.source_id) OVER w END AS superseded_by
                 FROM (SELECT DISTINCT source_id, period_type, period_start, standard FROM national_series) n
                 JOIN sources s USING (source_id)
                 WHERE s.unloaded_at IS NULL
                 WINDOW w AS (PARTITION BY n.period_type, n.period_start, n.standard
                              ORDER BY s.last_month DESC, s.sha256 DESC)) m
           WHERE t.source_id = m.source_id AND t.period_type = m.period_type
             AND t.period_start = m.period_start AND t.standard = m.standard
             AND t.superseded_by IS DISTINCT FROM m.superseded_by"""
    )
