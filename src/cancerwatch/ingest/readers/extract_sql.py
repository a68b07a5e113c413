"""Vectorised validation of CRS extracts in DuckDB (the fast path of ``cwt_extract``).

Every row that passes every check here becomes a fact directly. A row that fails any check is
handed to the row-by-row validator in ``cwt_extract``, which names the column and the reason;
so the checks below only need to be *at least as strict* as the row-by-row rules, never looser.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from cancerwatch.catalogue.data_window import cwt_first_month, cwt_last_month
from cancerwatch.ingest.readers.cwt_codes import (
    ALL_CANCERS,
    ALL_MODALITIES,
    MODALITIES,
    RECLASSIFICATION_MONTH,
    ROUTES,
    SUB_CATEGORIES,
    extract_standards,
)
from cancerwatch.ingest.values import MAX_COUNT, MAX_TEXT, ORG_CODE_RE
from cancerwatch.periods import MONTH_ABBR

# Whole or half counts written as integers or decimals ("47", "8.5", "47.0").
COUNT_RE = r"^[0-9]{1,8}(\.(0+|50*))?$"
# ISO dates, optionally with a midnight time (as calamine and Excel write them).
DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}( 00:00:00(\.0+)?)?$"


def _lookup(name: str, mapping: dict) -> pa.Table:
    return pa.table({"k": list(mapping), "v": [v if isinstance(v, str) else None for v in mapping.values()]})


def valid_facts(
    con: duckdb.DuckDBPyConnection, table: pa.Table, cols: dict[str, str], *, provider: bool
) -> tuple[pa.Table, list[int]]:
    """Facts (with their 0-based row ``idx``) of every row that passes the checks, and the
    indices of every other row.

    ``cols`` maps the layout's column names (``PERIOD``, ``STANDARD``, ``ORG``, ``TOTAL`` …) to the
    table's column names.
    """
    try:
        con.register("raw", table.append_column("__idx", pa.array(range(table.num_rows), type=pa.int64())))
        con.register("std_map", _lookup("std", extract_standards()))
        con.register("route_map", _lookup("route", ROUTES))
        con.register("mod_map", _lookup("mod", MODALITIES))
        con.register("month_map", pa.table({"k": list(MONTH_ABBR), "n": list(range(1, 13))}))
        con.register(
            "sub_map",
            pa.table(
                {
                    "k": list(SUB_CATEGORIES),
                    "route": [v[0] for v in SUB_CATEGORIES.values()],
                    "modality": [v[1] for v in SUB_CATEGORIES.values()],
                }
            ),
        )
        q = {k: f'trim(CAST("{v}" AS VARCHAR))' for k, v in cols.items()}
        typed = {k: table.schema.field(v).type for k, v in cols.items()}
        if provider:
            breakdown_cols = f"""
                r.v AS route,
                CASE WHEN s.v = 'fds' OR lower(coalesce({q["MODALITY"]}, '')) = '{ALL_MODALITIES}' THEN NULL
                     ELSE m.v END AS modality,
                CASE WHEN lower({q["CANCER"]}) = '{ALL_CANCERS}' THEN NULL ELSE {q["CANCER"]} END AS cancer_type,
                CASE WHEN s.v = 'fds' THEN 'fds'
                     WHEN lower(coalesce({q["MODALITY"]}, '')) = '{ALL_MODALITIES}' THEN 'cancer_type'
                     ELSE 'modality' END AS breakdown,
                (CASE WHEN s.v = 'fds' THEN coalesce({q["MODALITY"]}, '') = '' AND coalesce({q["CANCER"]}, '') <> ''
                      WHEN lower(coalesce({q["MODALITY"]}, '')) = '{ALL_MODALITIES}'
                           THEN coalesce({q["CANCER"]}, '') <> '' AND lower({q["CANCER"]}) <> '{ALL_CANCERS}'
                      ELSE m.v IS NOT NULL AND lower(coalesce({q["CANCER"]}, '')) = '{ALL_CANCERS}' END)
                  AND r.v IS NOT NULL AS breakdown_ok"""
            joins = f"""LEFT JOIN route_map r ON r.k = lower({q["ROUTE"]})
                        LEFT JOIN mod_map m ON m.k = lower({q["MODALITY"]})"""
        else:
            breakdown_cols = f"""
                sc.route AS route, sc.modality AS modality, NULL::VARCHAR AS cancer_type,
                'sub_category' AS breakdown,
                CASE WHEN s.v = 'fds' THEN coalesce({q["SUB"]}, '') = ''
                     ELSE sc.k IS NOT NULL AND starts_with(sc.k, left(s.v, 2)) END AS breakdown_ok"""
            joins = f"LEFT JOIN sub_map sc ON sc.k = lower({q['SUB']})"
        if "YEAR" in cols and "MONTH" in cols:  # PERIOD must be the month YEAR and MONTH name
            fy = f"TRY_CAST(left({q['YEAR']}, 4) AS INTEGER)"
            named = f"""CASE WHEN coalesce({q["YEAR"]}, '') = '' AND coalesce({q["MONTH"]}, '') = '' THEN 'none'
                WHEN regexp_full_match({q["YEAR"]}, '[0-9]{{4}}/[0-9]{{2}}')
                     AND right({q["YEAR"]}, 2) = lpad((({fy} + 1) % 100)::VARCHAR, 2, '0') AND mm.n IS NOT NULL
                THEN strftime(make_date(CASE WHEN mm.n >= 4 THEN {fy} ELSE {fy} + 1 END, mm.n, 1), '%Y-%m') END"""
            joins += f" LEFT JOIN month_map mm ON mm.k = upper(left({q['MONTH']}, 3))"
        else:
            named = "'none'"
        counts, count_ok = {}, []
        for c in ("TOTAL", "WITHIN", "BREACHES"):
            if pa.types.is_floating(typed[c]) or pa.types.is_integer(typed[c]):  # calamine read numbers
                counts[c] = f'CAST("{cols[c]}" AS DOUBLE)'
                count_ok.append(f"coalesce({counts[c]} >= 0 AND {counts[c]} * 2 = floor({counts[c]} * 2), false)")
            else:
                counts[c] = f"TRY_CAST({q[c]} AS DOUBLE)"
                count_ok.append(f"regexp_full_match(coalesce({q[c]}, ''), '{COUNT_RE}')")
        if pa.types.is_timestamp(typed["PERIOD"]) or pa.types.is_date(typed["PERIOD"]):
            col = f'"{cols["PERIOD"]}"'
            period_expr = f"CASE WHEN CAST({col} AS DATE) = {col} THEN CAST({col} AS DATE) END"
        else:
            period_expr = (
                f"CASE WHEN regexp_full_match({q['PERIOD']}, '{DATE_RE}') "
                f"THEN TRY_CAST(left({q['PERIOD']}, 10) AS DATE) END"
            )
        first, last = cwt_first_month().isoformat(), cwt_last_month().isoformat()
        sql = f"""
            WITH t AS (
              SELECT raw.__idx AS idx,
                     {period_expr} AS d,
                     s.v AS standard, upper({q["ORG"]}) AS org_code,
                     {counts["TOTAL"]} AS total, {counts["WITHIN"]} AS within_standard,
                     {counts["BREACHES"]} AS breaches,
                     {" AND ".join(count_ok)} AS counts_ok,
                     {named} AS named_month,
                     {breakdown_cols}
              FROM raw LEFT JOIN std_map s ON s.k = lower({q["STANDARD"]}) {joins}
            )
            SELECT idx, date_trunc('month', d)::DATE AS period, standard, org_code, route, modality, cancer_type,
                   CASE WHEN cancer_type IS NULL THEN NULL WHEN standard = 'fds' THEN 'fds_suspected'
                        WHEN d >= DATE '{RECLASSIFICATION_MONTH.isoformat()}' THEN '2023' ELSE '2022' END
                     AS tumour_scheme,
                   breakdown, total, within_standard, breaches,
                   coalesce(d BETWEEN DATE '{first}' AND last_day(DATE '{last}') AND standard IS NOT NULL
                            AND named_month IN ('none', strftime(d, '%Y-%m'))
                            AND regexp_full_match(coalesce(org_code, ''), '{ORG_CODE_RE}') AND counts_ok
                            AND breakdown_ok AND length(coalesce(cancer_type, '')) <= {MAX_TEXT}
                            AND total <= {MAX_COUNT} AND within_standard <= total
                            AND breaches = total - within_standard, false) AS ok
            FROM t ORDER BY idx
        """  # noqa: S608 - column names come from the layout definition, not from user input
        result = con.execute(sql).fetch_arrow_table()
    finally:
        for name in ("raw", "std_map", "route_map", "mod_map", "sub_map", "month_map"):
            con.unregister(name)
    ok = result.column("ok")
    bad = pc.indices_nonzero(pc.invert(ok)).to_pylist()
    good = result.filter(ok).drop(["ok"])
    return good, bad
