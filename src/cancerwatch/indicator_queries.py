"""The read API for indicators (issue 12): rows shaped like the standards' metric rows.

``indicator_metrics()`` answers "this indicator at this level, for every period loaded": the
value with its 95% interval, the target in force and whether it was met (respecting polarity),
and England's value with a Fingertips-style comparison. ``real_terms()`` re-prices cash spend
with a GDP deflator. ``alliance_workforce()`` and ``staff_in_post()`` read the workforce data
that capacity planning uses.

Intervals: Wilson (docs/statistics.md, Wilson interval) for proportions whose catalogue ``ci_method`` is ``wilson``
and whose numerator and denominator are both known; otherwise the interval the source
published; none for censuses (``ci_method = none``). A level the source does not publish is
rolled up from the catalogue's ``aggregate_from`` level through ``org_rollup`` (sum of numerators
over sum of denominators, organisations mapped as at the start of each period).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import duckdb

from cancerwatch.analytics.intervals import wilson_interval
from cancerwatch.catalogue.indicators import SUM_UNITS, Indicator, get_indicator, target_in_force
from cancerwatch.catalogue.organisations import NATIONAL_CODE, NATIONAL_NAME, UNMAPPED_CODE
from cancerwatch.errors import NoData, UsageError
from cancerwatch.ingest.readers.indicator_periods import parse_financial_year, period_end, period_label
from cancerwatch.metrics.performance import attach_level
from cancerwatch.periods import fy_label
from cancerwatch.warehouse.connect import ibis_backend
from cancerwatch.warehouse.organisations import ons_to_ods, org_names

PER_100K = 100_000
_COLUMNS = "period_type, period_start, org_code, numerator, denominator, value, ci_low, ci_high"


def _fy(label: str) -> str:
    """``2012-13`` or ``2012/13`` → ``2012/13`` (UsageError otherwise)."""
    try:
        return fy_label(parse_financial_year(label, "year").year)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def real_terms(values: Mapping[str, float], deflator: Mapping[str, float], base_year: str) -> dict[str, float]:
    """Cash values by financial year re-priced to ``base_year``'s prices.

    Rule: real = cash × deflator(base year) ÷ deflator(year), with one vintage of the GDP
    deflator (HM Treasury, "GDP deflators at market prices"). Years are financial years
    (``2012/13``; ``2012-13`` is accepted). A year missing from the deflator raises NoData.

    >>> deflator = {"2011/12": 80.0, "2012/13": 84.0, "2022/23": 100.0}
    >>> real_terms({"2011/12": 100.0, "2012/13": 105.0}, deflator, "2022/23")
    {'2011/12': 125.0, '2012/13': 125.0}
    """
    index = {_fy(k): float(v) for k, v in deflator.items()}
    base = _fy(base_year)
    if base not in index:
        raise NoData(f"no GDP deflator for the base year {base}")
    out = {}
    for year, cash in values.items():
        fy = _fy(year)
        if fy not in index:
            raise NoData(f"no GDP deflator for {fy}: load a deflator series that covers it")
        out[year] = cash * index[base] / index[fy]
    return out


def _published(con: duckdb.DuckDBPyConnection, ind: Indicator, level: str) -> list[dict]:
    cur = con.execute(
        f"""SELECT {_COLUMNS} FROM indicator_values
            WHERE indicator_id = ? AND org_level = ? AND superseded_by IS NULL""",  # noqa: S608 - constant columns
        [ind.id, level],
    )
    names = [d[0] for d in cur.description]
    fetched = cur.fetchall()
    codes = ons_to_ods(con)  # after fetching: a new query on the connection discards pending results
    out = []
    for values in fetched:
        r = dict(zip(names, values, strict=True))
        r["org_code"] = codes.get((level, r["org_code"]), r["org_code"])
        r["aggregated"] = False
        out.append(r)
    return out


def _value(ind: Indicator, numerator: float, denominator: float) -> float | None:
    if ind.unit in SUM_UNITS:  # staff in post: the summed count itself
        return numerator
    if not denominator:
        return None
    return numerator / denominator * (PER_100K if ind.unit == "rate_per_100k" else 1)


def _aggregated(con: duckdb.DuckDBPyConnection, ind: Indicator, level: str) -> list[dict]:
    """Roll ``aggregate_from`` rows up to ``level`` (England: every row, mapped or not) with the one
    roll-up rule of every figure (``metrics.performance.attach_level``); at other levels rows of
    organisations with no parent there are left out."""
    base = ind.aggregate_from
    if base is None or base == level:
        return []
    backend = ibis_backend(con)
    v = backend.table("indicator_values")
    v = v.filter(v.indicator_id == ind.id, v.org_level == base, v.superseded_by.isnull())
    v = v.filter(v.numerator.notnull() if ind.unit in SUM_UNITS else v.denominator.notnull())
    basis = "provider" if base == "provider" else "commissioner"
    placed = attach_level(v, backend.table("org_rollup"), level=level, basis=basis, on="period_start")
    if level != "national":
        placed = placed.filter(placed.unit_code != UNMAPPED_CODE)
    summed = placed.group_by(["period_type", "period_start", "unit_code"]).aggregate(
        numerator=placed.numerator.sum(), denominator=placed.denominator.sum()
    )
    out = []
    for r in summed.to_pyarrow().to_pylist():
        num, den = r["numerator"], r["denominator"]
        out.append(
            {
                "period_type": r["period_type"],
                "period_start": r["period_start"],
                "org_code": r["unit_code"],
                "numerator": num,
                "denominator": den,
                "value": _value(ind, num, den),
                "ci_low": None,
                "ci_high": None,
                "aggregated": True,
            }
        )
    return out


def _rows_at(con: duckdb.DuckDBPyConnection, ind: Indicator, level: str) -> list[dict]:
    """Published figures at ``level``, plus rolled-up figures where none is published."""
    rows = _published(con, ind, level)
    have = {_key(r) for r in rows}
    return rows + [r for r in _aggregated(con, ind, level) if _key(r) not in have]


def _key(r: dict) -> tuple:
    return (r["period_type"], r["period_start"], r["org_code"])


def _interval(ind: Indicator, r: dict) -> tuple[float | None, float | None, str]:
    num, den = r["numerator"], r["denominator"]
    if ind.ci_method == "wilson" and num is not None and den:
        low, high = wilson_interval(num, den)
        return low, high, "wilson"
    if ind.ci_method != "none" and r["ci_low"] is not None and r["ci_high"] is not None:
        return r["ci_low"], r["ci_high"], "published"
    return None, None, "none"


def compare_with_england(low: float | None, high: float | None, england: float | None, polarity: str) -> str | None:
    """Fingertips-style comparison by interval: better / similar / worse (higher / lower if neutral)."""
    if low is None or high is None or england is None:
        return None
    if low <= england <= high:
        return "similar"
    above = low > england
    if polarity == "neutral":
        return "higher" if above else "lower"
    return "better" if above == (polarity == "increase") else "worse"


def met_target(value: float | None, target: float | None, polarity: str) -> bool | None:
    """Whether ``value`` meets ``target``: at or above it (increase), at or below it (decrease)."""
    if value is None or target is None or polarity == "neutral":
        return None
    return value >= target if polarity == "increase" else value <= target


def _deflate(con: duckdb.DuckDBPyConnection, ind: Indicator, rows: list[dict], base_year: str | None) -> str | None:
    """Re-price spend rows in place (value, ci) to the base year's prices; return the label."""
    if ind.prices != "real":
        return None
    series = dict(con.execute("SELECT year_label, deflator FROM deflator_series ORDER BY year_start").fetchall())
    if not series:
        raise NoData(f"{ind.id} is shown in real terms but no GDP deflator series is loaded (see docs/indicators.md)")
    base = base_year or ind.price_base or "latest"
    base = list(series)[-1] if base == "latest" else _fy(base)
    cash = {i: r["value"] for i, r in enumerate(rows) if r["value"] is not None}
    years = {
        i: fy_label(r["period_start"].year if r["period_start"].month >= 4 else r["period_start"].year - 1)
        for i, r in enumerate(rows)
    }
    factors = real_terms({years[i]: 1.0 for i in cash}, series, base)
    for i, r in enumerate(rows):
        r["value_cash"] = r["value"]
        if i in cash:
            r["value"] = cash[i] * factors[years[i]]
    return f"{base} prices"


def _england(con: duckdb.DuckDBPyConnection, ind: Indicator, base_year: str | None) -> dict[tuple, float]:
    rows = _rows_at(con, ind, "national")
    _deflate(con, ind, rows, base_year)
    return {(r["period_type"], r["period_start"]): r["value"] for r in rows if r["value"] is not None}


def _row(ind: Indicator, level: str, r: dict, names: dict[str, str], england: dict[tuple, float]) -> dict:
    start: date = r["period_start"]
    judged_on = period_end(start, r["period_type"])
    low, high, method = _interval(ind, r)
    if "value_cash" in r and r["value"] is not None and r["value_cash"]:
        factor = r["value"] / r["value_cash"]
        low, high = (None if x is None else x * factor for x in (low, high))
    target = target_in_force(ind, judged_on)
    achievable = target_in_force(ind, judged_on, ("achievable",))
    eng = england.get((r["period_type"], start)) if level != "national" else None
    code = r["org_code"]
    row = {
        "period_start": start.isoformat(),
        "period_label": period_label(start, r["period_type"]),
        "period_type": r["period_type"],
        "indicator": ind.id,
        "level": level,
        "org_code": code,
        "org_name": NATIONAL_NAME if code == NATIONAL_CODE else names.get(code, code),
        "numerator": r["numerator"],
        "denominator": r["denominator"],
        "value": r["value"],
        "unit": ind.unit,
        "ci_low": low,
        "ci_high": high,
        "ci_method": method,
        "target": target.value if target else None,
        "target_kind": target.kind if target else None,
        "target_date": target.target_date.isoformat() if target and target.target_date else None,
        "achievable": achievable.value if achievable else None,
        "met": met_target(r["value"], target.value if target else None, ind.polarity),
        "polarity": ind.polarity,
        "england_value": eng,
        "compared_with_england": compare_with_england(low, high, eng, ind.polarity),
        "aggregated": r["aggregated"],
    }
    if "value_cash" in r:
        row["value_cash"] = r["value_cash"]
    return row


def indicator_metrics(
    con: duckdb.DuckDBPyConnection,
    indicator_id: str,
    level: str,
    org: str | None = None,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    base_year: str | None = None,
) -> list[dict]:
    """Rows of an indicator at a level (optionally one organisation), sorted by period then code.

    ``org`` may be the ODS code or the ONS code; ``base_year`` (e.g. ``2022/23``) sets the price
    base of real-terms spend (default: the catalogue's ``price_base``, ``latest`` = the last year
    of the loaded deflator). Raises UsageError for a level the indicator is not reported at and
    NoData when nothing is loaded.
    """
    ind = get_indicator(indicator_id)
    if level not in ind.levels:
        raise UsageError(f"{ind.id} is reported at {', '.join(ind.levels)}, not {level!r}")
    rows = [
        r
        for r in _rows_at(con, ind, level)
        if (date_from is None or r["period_start"] >= date_from) and (date_to is None or r["period_start"] <= date_to)
    ]
    if not rows:
        raise NoData(f"no {ind.id} figures at {level} level are loaded")
    prices = _deflate(con, ind, rows, base_year)
    england = _england(con, ind, base_year) if level != "national" else {}
    names = org_names(con)
    out = [_row(ind, level, r, names, england) for r in rows]
    if prices:
        for row in out:
            row["prices"] = prices
    if org:
        wanted = org.upper()
        codes = {ods for (t, ons), ods in ons_to_ods(con).items() if t == level and ons == wanted}
        out = [r for r in out if r["org_code"] == wanted or r["org_code"] in codes]
        if not out:
            raise NoData(f"no {ind.id} figures for {level} organisation {org!r}")
    out.sort(key=lambda r: (r["period_start"], r["org_code"]))
    return out


def staff_in_post(
    con: duckdb.DuckDBPyConnection,
    indicator_id: str,
    org_code: str,
    *,
    level: str = "provider",
    month: date | None = None,
) -> float:
    """FTE in post of a workforce indicator's staff group.

    A vacancy-rate indicator gives planned workforce − vacancies; an FTE-in-post indicator (unit
    ``fte``, fed by NHS Workforce Statistics) gives its value. For ``month``, or the latest month
    loaded; at levels above provider the figure is rolled up from providers when not published.
    Feed it to ``planning.workforce_capacity.weekly_capacity``.
    """
    ind = get_indicator(indicator_id)
    if not ind.workforce:
        raise UsageError(f"{ind.id} is not a workforce indicator")
    rows = [r for r in _rows_at(con, ind, level) if r["org_code"] == org_code.upper()]
    rows = [r for r in rows if month is None or r["period_start"] == month]
    if not rows:
        raise NoData(f"no {ind.id} workforce figures for {org_code!r}")
    latest = max(rows, key=lambda r: r["period_start"])
    if ind.unit in SUM_UNITS:
        return float(latest["value"])
    return float(latest["denominator"] - latest["numerator"])


def alliance_workforce(con: duckdb.DuckDBPyConnection, alliance: str | None = None) -> list[dict]:
    """The latest register entry of each Alliance's own team: posts funded, filled, fill rate, plan."""
    rows = con.execute(
        """SELECT a.alliance_code, a.team_posts_funded, a.team_posts_filled, a.workforce_plan_published,
                  a.as_of, a.source
           FROM alliance_workforce_register a
           QUALIFY row_number() OVER (PARTITION BY a.alliance_code ORDER BY a.as_of DESC, a.source_id DESC) = 1
           ORDER BY a.alliance_code"""
    ).fetchall()
    names = org_names(con)
    out = [
        {
            "alliance_code": code,
            "alliance_name": names.get(code, code),
            "team_posts_funded": funded,
            "team_posts_filled": filled,
            "team_posts_vacant": funded - filled,
            "fill_rate": filled / funded if funded else None,
            "workforce_plan_published": plan,
            "as_of": as_of.isoformat(),
            "source": source,
        }
        for code, funded, filled, plan, as_of, source in rows
    ]
    if alliance:
        out = [r for r in out if r["alliance_code"] == alliance.upper()]
    if not out:
        raise NoData("no Alliance workforce register entries are loaded" + (f" for {alliance!r}" if alliance else ""))
    return out
