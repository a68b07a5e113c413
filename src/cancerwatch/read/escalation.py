"""Escalations: organisations that consistently fail a standard under a named rule, with the evidence."""

from __future__ import annotations

from dataclasses import dataclass

from cancerwatch.accountability.escalation import Escalation, Rule, escalate, escalation_rows, get_rule
from cancerwatch.read.context import Reader


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

    def compute() -> list[Escalation]:
        return escalate(reader.con, standard=standard, level=level, rule_id=rule_id, basis=basis, include_all=True)

    every = reader.memo(("escalate", standard, level, rule_id, basis), compute)
    items = every if include_all else [e for e in every if e.fired]
    return EscalationTable(standard, level, rule, items, escalation_rows(items))
