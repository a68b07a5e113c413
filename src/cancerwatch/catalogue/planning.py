"""Planning assumptions and method rules (``planning.toml``), and Cancer Alliance successions.

An *assumption* is a figure the bundled data cannot give (the share of DM01 activity that serves
cancer pathways, the days before the first test). Each is a ``cancerwatch plan`` option with a
default and a source, and every plan prints the value it used. A default of ``"fitted"`` or
``"estimated"`` means the plan derives the figure from the data unless the option is given.

Successions (``alliance_successions.csv``): an Alliance formed from others (East of England,
E56000035, from East of England – North and – South on 1 April 2024) reads, before that date, as
the sum of its predecessors.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from cancerwatch.catalogue.organisations import packaged_rows


@dataclass(frozen=True)
class Assumption:
    """One planning assumption: its option, default, accepted range and source."""

    key: str
    option: str
    label: str
    default: float | str
    low: float
    high: float
    unit: str
    source: str
    confidence: str
    note: str


@cache
def _raw() -> dict:
    text = resources.files("cancerwatch.catalogue").joinpath("planning.toml").read_text("utf-8")
    return tomllib.loads(text)


def planning_sources() -> dict[str, str]:
    """Source key → full citation."""
    return dict(_raw()["sources"])


def assumptions() -> dict[str, Assumption]:
    """The planning assumptions by key."""
    out = {}
    for key, a in _raw()["assumptions"].items():
        out[key] = Assumption(
            key,
            a["option"],
            a["label"],
            a["value"],
            float(a["low"]),
            float(a["high"]),
            a["unit"],
            a["source"],
            a["confidence"],
            a.get("note", ""),
        )
    return out


def planning_rules() -> dict[str, Any]:
    """The method's fixed rules (months of current activity, the seasonal window, …)."""
    return dict(_raw()["rules"])


def rule_date(key: str) -> date:
    """A rule that is a date (ISO text in ``planning.toml``)."""
    return date.fromisoformat(str(planning_rules()[key]))


def predecessors(code: str) -> list[tuple[str, date]]:
    """The Alliances that ``code`` succeeded, each with the date the successor took over."""
    return [
        (r["predecessor_code"], date.fromisoformat(r["effective_from"]))
        for r in packaged_rows("alliance_successions.csv")
        if r["successor_code"] == code
    ]


def validate() -> list[str]:
    """Problems in ``planning.toml`` (an empty list when it is sound)."""
    problems = []
    sources = planning_sources()
    for a in assumptions().values():
        if a.source not in sources:
            problems.append(f"{a.key}: unknown source {a.source!r}")
        if not a.low <= a.high:
            problems.append(f"{a.key}: low above high")
        if isinstance(a.default, int | float) and not a.low <= a.default <= a.high:
            problems.append(f"{a.key}: default {a.default} outside {a.low}–{a.high}")
        if isinstance(a.default, str) and a.default not in ("fitted", "estimated"):
            problems.append(f"{a.key}: default must be a number, 'fitted' or 'estimated'")
    rules = planning_rules()
    for key in ("seasonal_source", "working_days_source"):
        if rules[key] not in sources:
            problems.append(f"rules.{key}: unknown source {rules[key]!r}")
    return problems
