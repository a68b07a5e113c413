"""The metrics read API: ``metrics()`` answers "performance of a standard at a level and period".

Each row carries the CLI contract's fields (``docs/cli.md``, ``cancerwatch metrics``) plus the
planning ambition, the comparison with England and the peer rank. Everything that is a rule
(counts, threshold, ``met``, ambition, England's performance, rank, the ``org`` filter) is one
Ibis expression (:func:`cancerwatch.metrics.table.performance_table`), so DuckDB and PySpark give
the same rows; this module validates the query once, runs the expression on the chosen engine,
and adds the 95% Wilson interval, the Fingertips-style comparison, names and labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

import duckdb
import ibis

from cancerwatch.analytics.intervals import wilson_intervals
from cancerwatch.catalogue.organisations import (
    LEVELS,
    NATIONAL_CODE,
    NATIONAL_NAME,
    UNMAPPED_CODE,
    UNMAPPED_NAMES,
    default_basis,
    levels_for_basis,
)
from cancerwatch.catalogue.standards import Standard, get_standard, threshold_in_force
from cancerwatch.errors import NoData, UnknownOrg, UsageError
from cancerwatch.metrics.performance import BY_COLUMNS, TUMOUR_SCHEMES
from cancerwatch.metrics.table import ROLLING, RowSpec, performance_table
from cancerwatch.periods import PERIOD_TYPES, months_between, period_label
from cancerwatch.warehouse.connect import ibis_backend
from cancerwatch.warehouse.organisations import org_names

DATASETS = ("published", "record")
TABLES = ("facts", "org_rollup", "national_series", "tumour_map")

__all__ = ["DATASETS", "ROLLING", "MetricQuery", "ResolvedQuery", "metrics", "org_names"]


@dataclass(frozen=True)
class MetricQuery:
    """A request for ``metrics``."""

    standard: str
    level: str = "national"
    period: str = "month"
    org: str | None = None
    by: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    basis: str | None = None
    dataset: str = "published"
    tumour_scheme: str = "as_published"

    def validated(self) -> MetricQuery:
        """Check every option up front; return the query with the default basis filled in."""
        return self.resolve().query

    def resolve(self) -> ResolvedQuery:
        """Check every option once: the standard, level, period, breakdown, dataset, basis and dates."""
        standard = get_standard(self.standard)
        if self.level not in LEVELS:
            raise UsageError(f"unknown level {self.level!r}: use one of {', '.join(LEVELS)}")
        if self.period not in (*PERIOD_TYPES, ROLLING):
            raise UsageError(f"unknown period {self.period!r}: use one of {', '.join((*PERIOD_TYPES, ROLLING))}")
        if self.tumour_scheme not in TUMOUR_SCHEMES:
            raise UsageError(f"unknown tumour scheme {self.tumour_scheme!r}: use one of {', '.join(TUMOUR_SCHEMES)}")
        if self.by is not None and self.by not in BY_COLUMNS:
            raise UsageError(f"unknown breakdown {self.by!r}: use one of {', '.join(BY_COLUMNS)}")
        if self.dataset not in DATASETS:
            raise UsageError(f"unknown dataset {self.dataset!r}: use one of {', '.join(DATASETS)}")
        basis = self.basis or default_basis(self.level)
        if basis not in ("provider", "commissioner"):
            raise UsageError(f"unknown basis {basis!r}: use provider or commissioner")
        if self.level not in levels_for_basis(basis):
            raise UsageError(f"level {self.level!r} is not available on the {basis} basis")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise UsageError("--from is after --to")
        org = self.org.strip().upper() if self.org else None
        query = replace(self, org=org, basis=basis)
        spec = RowSpec(
            level=self.level,
            period=self.period,
            basis=basis,
            dataset=self.dataset,
            by=self.by,
            date_from=self.date_from,
            date_to=self.date_to,
            tumour_scheme=self.tumour_scheme,
            org=org,
        )
        return ResolvedQuery(query, standard, spec)


@dataclass(frozen=True)
class ResolvedQuery:
    """A validated query (defaults filled in), its catalogue standard and the row shape wanted."""

    query: MetricQuery
    standard: Standard
    spec: RowSpec


def metrics(
    con: duckdb.DuckDBPyConnection, query: MetricQuery | ResolvedQuery, *, backend: ibis.BaseBackend | None = None
) -> list[dict]:
    """Rows of performance for ``query``, sorted by period, breakdown and organisation (see module doc).

    ``backend`` is the engine the expression runs on (default: DuckDB over ``con``); names always
    come from ``con``. Raises NoData when nothing matches, UnknownOrg for an ``org`` with no rows.
    """
    r = query if isinstance(query, ResolvedQuery) else query.resolve()
    q, spec = r.query, r.spec
    engine = backend if backend is not None else ibis_backend(con)
    tables = {name: engine.table(name) for name in TABLES}
    fetched = performance_table(tables, r.standard, spec).to_pyarrow().to_pylist()
    if not fetched:
        if q.org:
            # an organisation with no rows: say so unless the level has no rows at all
            everyone = performance_table(tables, r.standard, replace(spec, org=None)).count()
            if everyone.to_pyarrow().as_py():
                raise UnknownOrg(
                    f"no {q.level} organisation {q.org!r} with {q.standard} figures on the {q.basis} basis"
                )
        raise NoData(_no_data(q))
    return _rows(q, fetched, org_names(con))


def metrics_of_standards(
    con: duckdb.DuckDBPyConnection, queries: Sequence[MetricQuery], *, backend: ibis.BaseBackend | None = None
) -> dict[MetricQuery, list[dict] | NoData]:
    """Each query's ``metrics`` rows (or its NoData), from one expression for all of them.

    The queries must differ only in their standard and ask for every organisation (no ``org``);
    the keys are the validated queries. Each standard's rows equal what :func:`metrics` gives for
    it alone; one expression is one compilation instead of one per standard."""
    resolved = [q.resolve() for q in queries]
    specs = {r.spec for r in resolved}
    if len(specs) > 1 or any(r.spec.org for r in resolved):
        raise UsageError("queries asked together must differ only in their standard, with no organisation")
    if not resolved:
        return {}
    engine = backend if backend is not None else ibis_backend(con)
    tables = {name: engine.table(name) for name in TABLES}
    standards = list({r.standard.id: r.standard for r in resolved}.values())
    fetched: dict[str, list[dict]] = {}
    for row in performance_table(tables, standards, specs.pop()).to_pyarrow().to_pylist():
        fetched.setdefault(row["std"], []).append(row)
    names = org_names(con)
    out: dict[MetricQuery, list[dict] | NoData] = {}
    for r in resolved:
        q = r.query
        got = fetched.get(r.standard.id)
        out[q] = _rows(q, got, names) if got else NoData(_no_data(q))
    return out


def _no_data(q: MetricQuery) -> str:
    return f"no {q.standard} figures on the {q.basis} basis for the requested periods"


def _num(v: float | Decimal | None) -> float:
    return float(v) if isinstance(v, Decimal) else float(v or 0)


def _rows(q: MetricQuery, fetched: list[dict], names: dict[str, str]) -> list[dict]:
    totals = [_num(r["total"]) for r in fetched]
    withins = [_num(r["within_standard"]) for r in fetched]
    lows, highs = wilson_intervals(withins, totals)
    out = []
    for r, total, within, low, high in zip(fetched, totals, withins, lows.tolist(), highs.tolist(), strict=True):
        has = total > 0
        out.append(_row(q, r, names, total, within, low if has else None, high if has else None))
    return out


def _name(q: MetricQuery, code: str, names: dict[str, str]) -> str:
    if code == NATIONAL_CODE:
        return NATIONAL_NAME
    if code == UNMAPPED_CODE:
        return UNMAPPED_NAMES[q.level]
    return names.get(code, code)


def _row(
    q: MetricQuery,
    r: dict,
    names: dict[str, str],
    total: float,
    within: float,
    low: float | None,
    high: float | None,
) -> dict:
    start: date = r["period_start"]
    code = r["unit_code"]
    row = {
        "period_start": start.isoformat(),
        "period_label": (
            f"12 months to {period_label(r['last_month'], 'month')}"
            if q.period == ROLLING
            else period_label(start, q.period)
        ),
        "standard": q.standard,
        "level": q.level,
        "org_code": code,
        "org_name": _name(q, code, names),
    }
    if q.by:
        row[q.by] = r["by_value"]
    eng = r["england_performance"]
    row.update(
        {
            "total": total,
            "within_standard": within,
            "breaches": _num(r["breaches"]),
            "performance": r["performance"],
            "ci_low": low,
            "ci_high": high,
            "threshold": r["threshold"],
            "met": r["met"],
            "threshold_changed": bool(r["threshold_changed"]),
            "threshold_note": threshold_note(q.standard, r["first_month"], r["last_month"])
            if r["threshold_changed"]
            else None,
            "ambition": r["ambition"],
            "ambition_month": r["ambition_month"].isoformat()[:7] if r["ambition_month"] else None,
            "england_performance": eng,
            "compared_with_england": compare_with_england(low, high, eng),
            "rank": r["rank"],
            "peers": r["peers"],
            "months": int(r["months"] or 0),
            "basis": q.basis,
            "source": r["source"],
        }
    )
    return row


def compare_with_england(low: float | None, high: float | None, england: float | None) -> str | None:
    """OHID Fingertips comparison: ``better`` / ``worse`` when the 95% interval lies wholly above /
    below England's value, else ``similar``."""
    if low is None or high is None or england is None:
        return None
    if low > england:
        return "better"
    if high < england:
        return "worse"
    return "similar"


def threshold_note(standard_id: str, first: date, last: date) -> str:
    """Which operational thresholds applied to which months from ``first`` to ``last``.

    >>> threshold_note("fds", date(2021, 4, 1), date(2022, 3, 1))
    'no threshold 2021-04 to 2021-09; 75% 2021-10 to 2022-03'
    """
    runs: list[tuple[float | None, date, date]] = []
    for month in months_between(first, last):
        value = threshold_in_force(standard_id, month)
        if runs and runs[-1][0] == value:
            runs[-1] = (value, runs[-1][1], month)
        else:
            runs.append((value, month, month))
    parts = []
    for value, a, b in runs:
        span = period_label(a, "month") if a == b else f"{period_label(a, 'month')} to {period_label(b, 'month')}"
        parts.append(f"{'no threshold' if value is None else f'{value:.0%}'} {span}")
    return "; ".join(parts)
