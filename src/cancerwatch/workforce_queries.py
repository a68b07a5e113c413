"""The read API for NHS Workforce Statistics: staff by main staff group, beside performance.

``workforce()`` gives, for one organisation and month, headcount and FTE by main staff group
(``catalogue/workforce_staff_groups.csv``) as NHS England publishes them: a trust or other
employing organisation (``provider``), an ICS (``icb``), an NHS England region, or England. An
Alliance is not published: its FTE is the sum of its trusts' (``org_rollup``, provider basis,
as at the month), and its headcount is left empty because headcount does not add up (someone
working in two organisations counts in each).

``performance_beside()`` gives the same organisation's headline figures for the same month:
the 28-day FDS, 31-day and 62-day standards (provider basis) and the DM01 share waiting 6+ weeks
(all tests). A measure with no figure for that month is returned empty, never from another month.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import duckdb

from cancerwatch.catalogue.diagnostics import ALL_TESTS
from cancerwatch.catalogue.organisations import NATIONAL_CODE, NATIONAL_NAME
from cancerwatch.catalogue.workforce import staff_groups
from cancerwatch.diagnostics_queries import DiagnosticsQuery, diagnostics
from cancerwatch.errors import NoData, UsageError
from cancerwatch.periods import period_label
from cancerwatch.queries import MetricQuery, metrics
from cancerwatch.warehouse.organisations import org_names

LEVELS = ("national", "region", "alliance", "icb", "provider")
PUBLISHED_LEVEL = {"national": "national", "region": "region", "icb": "icb", "provider": "organisation"}
HEADLINE_STANDARDS = ("fds", "31d", "62d")


def _latest_month(con: duckdb.DuckDBPyConnection) -> date:
    row = con.execute(
        "SELECT max(period) FROM workforce_staff WHERE superseded_by IS NULL AND org_level <> 'national'"
    ).fetchone()
    if not row or row[0] is None:
        raise NoData("no NHS Workforce Statistics are loaded")
    return row[0]


def _published(con: duckdb.DuckDBPyConnection, level: str, code: str, month: date) -> dict[str, tuple]:
    rows = con.execute(
        """SELECT staff_group, headcount, fte, org_name FROM workforce_staff
           WHERE superseded_by IS NULL AND org_level = ? AND org_code = ? AND period = ?""",
        [PUBLISHED_LEVEL[level], code, month],
    ).fetchall()
    return {g: (hc, fte, name) for g, hc, fte, name in rows}


def _alliance(con: duckdb.DuckDBPyConnection, code: str, month: date) -> dict[str, tuple]:
    rows = con.execute(
        """SELECT w.staff_group, sum(w.fte) FROM workforce_staff w
           JOIN org_rollup r ON r.org_code = w.org_code AND r.basis = 'provider' AND r.level = 'alliance'
            AND w.period >= r.valid_from AND (r.valid_to IS NULL OR w.period <= r.valid_to)
           WHERE w.superseded_by IS NULL AND w.org_level = 'organisation' AND r.parent_code = ? AND w.period = ?
           GROUP BY ALL""",
        [code, month],
    ).fetchall()
    return {g: (None, fte, None) for g, fte in rows}


def workforce(
    con: duckdb.DuckDBPyConnection, org: str | None, *, level: str = "provider", month: date | None = None
) -> list[dict]:
    """Headcount and FTE by main staff group for one organisation and month (latest by default)."""
    if level not in LEVELS:
        raise UsageError(f"unknown level {level!r} for workforce: use one of {', '.join(LEVELS)}")
    if level != "national" and not org:
        raise UsageError(f"--org is needed at {level} level")
    code = NATIONAL_CODE if level == "national" else org.upper()  # type: ignore[union-attr]
    month = month or _latest_month(con)
    found = _alliance(con, code, month) if level == "alliance" else _published(con, level, code, month)
    if not found:
        raise NoData(f"no NHS Workforce Statistics for {level} {code!r} in {period_label(month, 'month')}")
    names = org_names(con)
    published_name = next((v[2] for v in found.values() if v[2]), None)
    name = NATIONAL_NAME if code == NATIONAL_CODE else names.get(code) or published_name or code
    total_fte = found.get("total", (None, None, None))[1]
    out = []
    for g in staff_groups().values():
        if g.id not in found:
            continue
        headcount, fte, _ = found[g.id]
        out.append(
            {
                "period_start": month.isoformat(),
                "period_label": period_label(month, "month"),
                "level": level,
                "org_code": code,
                "org_name": name,
                "staff_group": g.id,
                "staff_group_name": g.published_name,
                "parent_group": g.parent,
                "headcount": headcount,
                "fte": fte,
                "fte_share": fte / total_fte if fte is not None and total_fte else None,
                "rolled_up": level == "alliance",
            }
        )
    return out


def performance_beside(
    con: duckdb.DuckDBPyConnection,
    org: str | None,
    *,
    level: str = "provider",
    month: date,
    fetch: Callable[[MetricQuery], list[dict]] | None = None,
    fetch_diagnostics: Callable[[DiagnosticsQuery], list[dict]] | None = None,
) -> list[dict]:
    """The organisation's FDS, 31-day, 62-day and DM01 figures for ``month`` (empty if none), on the
    provider basis. ``fetch`` gives every organisation's monthly rows of a query (default:
    :func:`~cancerwatch.queries.metrics` on ``con``) and ``fetch_diagnostics`` the DM01 rows of a
    query (default: :func:`~cancerwatch.diagnostics_queries.diagnostics`); the read layer passes its
    kept rows."""
    code = NATIONAL_CODE if level == "national" else (org or "").upper()
    out = []
    for sid in HEADLINE_STANDARDS:
        query = MetricQuery(standard=sid, level=level, basis="provider")
        try:
            everyone = fetch(query) if fetch is not None else metrics(con, query)
        except UsageError:  # NoData: nothing published at this level
            everyone = []
        rows = [x for x in everyone if x["org_code"] == code and x["period_start"] == month.isoformat()]
        r = rows[0] if rows else {}
        out.append(
            {
                "measure": sid,
                "period_label": period_label(month, "month"),
                "value": r.get("performance"),
                "numerator": r.get("within_standard"),
                "denominator": r.get("total"),
                "threshold": r.get("threshold"),
                "met": r.get("met"),
                "improvement_direction": "increase",
            }
        )
    try:
        q = DiagnosticsQuery(level=level, org=code, tests=(ALL_TESTS,), date_from=month, date_to=month)
        d = fetch_diagnostics(q) if fetch_diagnostics is not None else diagnostics(con, q)
    except UsageError:
        d = []
    r = d[0] if d else {}
    out.append(
        {
            "measure": "dm01",
            "period_label": period_label(month, "month"),
            "value": r.get("share_6plus"),
            "numerator": r.get("waiting_6plus"),
            "denominator": r.get("waiting_list"),
            "threshold": r.get("threshold"),
            "met": r.get("met"),
            "improvement_direction": "decrease",
        }
    )
    return out
