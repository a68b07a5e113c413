"""Escalations: organisations that consistently fail a standard under a named rule, with the evidence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cancerwatch.accountability.escalation import (
    Escalation,
    Rule,
    _closed,
    assess,
    covered_periods,
    escalate,
    escalation_rows,
    get_rule,
)
from cancerwatch.catalogue.organisations import NATIONAL_CODE, UNMAPPED_CODE, default_basis
from cancerwatch.catalogue.standards import get_standard
from cancerwatch.errors import UsageError
from cancerwatch.read.context import Reader
from cancerwatch.read.figures import level_rows, rows_of


@dataclass
class EscalationTable:
    """One rule evaluated for every organisation at a level."""

    standard: str
    level: str
    rule: Rule
    items: list[Escalation]
    rows: list[dict]


def escalation_table(
    reader: Reader,
    standard: str,
    level: str,
    rule_id: str,
    *,
    basis: str | None = None,
    include_all: bool = False,
) -> EscalationTable:
    """Organisations the rule fires for (or every organisation, ``include_all``), kept per warehouse version."""
    rule = get_rule(rule_id)
    basis = basis or default_basis(level)  # as the metric query resolves it: one memo entry for both

    def compute() -> list[Escalation]:
        return escalate(
            reader.con,
            standard=standard,
            level=level,
            rule_id=rule_id,
            basis=basis,
            include_all=True,
            fetch=lambda q: rows_of(reader, q),
        )

    every = reader.memo(("escalate", standard, level, rule_id, basis), compute)
    items = every if include_all else [e for e in every if e.fired]
    return EscalationTable(standard, level, rule, items, escalation_rows(items))


def escalated_until(reader: Reader, standard: str, level: str, rule_id: str, until: date) -> set[str]:
    """Organisations a monthly rule fires for on the figures up to ``until`` (a month start), as
    :func:`~cancerwatch.accountability.escalation.escalate` judges them on the latest month: the
    window ends at the latest month up to ``until`` any organisation at the level has figures for;
    an organisation that closed (or merged) before it is not judged."""
    rule = get_rule(rule_id)
    if rule.period != "month" or rule.kind == "funnel_low_outlier_k_of_n":
        raise UsageError(f"rule {rule_id!r} is not judged month by month")

    def compute() -> set[str]:
        cut = until.isoformat()
        rows = [r for r in level_rows(reader, standard, level) if str(r["period_start"])[:10] <= cut]
        judged = [r for r in rows if r["org_code"] not in (UNMAPPED_CODE, NATIONAL_CODE)]
        periods = covered_periods(judged, "month")
        by_org: dict[str, list[dict]] = {}
        for r in sorted(judged, key=lambda r: r["period_start"]):
            by_org.setdefault(r["org_code"], []).append(r)
        direction = get_standard(standard).improvement_direction
        closed = _closed(reader.con, level)
        out = set()
        for code, own in by_org.items():
            if code in closed and periods and closed[code] < periods[-1]:
                continue
            if assess(rule, own, improvement_direction=direction, periods=periods, standard=standard).fired:
                out.add(code)
        return out

    return reader.memo(("escalated_until", standard, level, rule_id, until), compute)
