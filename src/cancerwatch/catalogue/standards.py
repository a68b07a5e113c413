"""Load, validate and look up the standards catalogue (``standards.toml``).

The catalogue is the only place a threshold lives: code asks for "the operational threshold in
force on date D" (:func:`threshold_in_force`) or "the planning ambition that applies to month M"
(:func:`ambition_for`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from cancerwatch.catalogue.packaged import validated_toml
from cancerwatch.errors import UnknownStandard

DIRECTIONS = ("increase", "decrease", "neutral")
THRESHOLD_KINDS = ("operational", "ambition")


@dataclass(frozen=True)
class Threshold:
    """A dated threshold: operational (every month in force) or ambition (one target month)."""

    kind: str
    value: float
    effective_from: date
    effective_to: date | None
    source: str
    confidence: str
    applies_to_month: date | None = None
    note: str = ""

    def in_force(self, on: date) -> bool:
        """True when ``on`` lies within [effective_from, effective_to]."""
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


@dataclass(frozen=True)
class Component:
    """Facts of ``source_standard``, optionally filtered by route and modality, form a standard."""

    source_standard: str
    routes: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()
    effective_from: date | None = None
    effective_to: date | None = None


@dataclass(frozen=True)
class Standard:
    """One CWT standard with its clock definition and dated thresholds."""

    id: str
    name: str
    short_name: str
    family: str
    days: int
    clock_start: str
    clock_stop: str
    routes: tuple[str, ...]
    improvement_direction: str
    first_data: date
    source: str
    components: tuple[Component, ...]
    thresholds: tuple[Threshold, ...] = field(default_factory=tuple)
    national_series_pattern: str | None = None
    workbook_sheet: str | None = None
    extract_standard: str | None = None


def _as_date(value: object) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _parse(raw: dict) -> tuple[dict[str, Standard], dict[str, str]]:
    sources = dict(raw.get("sources", {}))
    standards: dict[str, Standard] = {}
    for sid, s in raw["standards"].items():
        thresholds = tuple(
            Threshold(
                kind=t["kind"],
                value=float(t["value"]),
                effective_from=_as_date(t["effective_from"]),  # type: ignore[arg-type]
                effective_to=_as_date(t.get("effective_to")),
                source=t["source"],
                confidence=t["confidence"],
                applies_to_month=_as_date(t.get("applies_to_month")),
                note=t.get("note", ""),
            )
            for t in s.get("thresholds", [])
        )
        components = tuple(
            Component(
                source_standard=c["source_standard"],
                routes=tuple(c.get("routes", ())),
                modalities=tuple(c.get("modalities", ())),
                effective_from=_as_date(c.get("effective_from")),
                effective_to=_as_date(c.get("effective_to")),
            )
            for c in s["components"]
        )
        standards[sid] = Standard(
            id=sid,
            name=s["name"],
            short_name=s["short_name"],
            family=s["family"],
            days=int(s["days"]),
            clock_start=s["clock_start"],
            clock_stop=s["clock_stop"],
            routes=tuple(s["routes"]),
            improvement_direction=s["improvement_direction"],
            first_data=_as_date(s["first_data"]),  # type: ignore[arg-type]
            source=s["source"],
            components=components,
            thresholds=thresholds,
            national_series_pattern=s.get("national_series_pattern"),
            workbook_sheet=s.get("workbook_sheet"),
            extract_standard=s.get("extract_standard"),
        )
    return standards, sources


def validate_catalogue(standards: dict[str, Standard], sources: dict[str, str]) -> list[str]:
    """Return the problems found: unknown directions/kinds/sources and overlapping thresholds."""
    problems: list[str] = []
    for s in standards.values():
        if s.improvement_direction not in DIRECTIONS:
            problems.append(f"{s.id}: improvement_direction {s.improvement_direction!r}")
        if s.source not in sources:
            problems.append(f"{s.id}: source {s.source!r} not in [sources]")
        for t in s.thresholds:
            if t.kind not in THRESHOLD_KINDS:
                problems.append(f"{s.id}: threshold kind {t.kind!r}")
            if t.source not in sources:
                problems.append(f"{s.id}: threshold source {t.source!r} not in [sources]")
            if t.effective_to is not None and t.effective_to < t.effective_from:
                problems.append(f"{s.id}: threshold ends before it starts")
            if not 0 < t.value <= 1:
                problems.append(f"{s.id}: threshold {t.value} is not a proportion")
        ops = sorted((t for t in s.thresholds if t.kind == "operational"), key=lambda t: t.effective_from)
        for a, b in itertools.pairwise(ops):
            if a.effective_to is None or a.effective_to >= b.effective_from:
                problems.append(f"{s.id}: operational thresholds overlap at {b.effective_from}")
        for c in s.components:
            if c.source_standard not in standards:
                problems.append(f"{s.id}: component source {c.source_standard!r} unknown")
    return problems


@cache
def catalogue() -> tuple[dict[str, Standard], dict[str, str]]:
    """The packaged catalogue (standards by id, sources by key), validated once."""
    return validated_toml("standards.toml", _parse, validate_catalogue, "standards")


def standards() -> dict[str, Standard]:
    """All standards by id, in catalogue order."""
    return catalogue()[0]


def get_standard(standard_id: str) -> Standard:
    """The standard with this id, or UnknownStandard naming the valid ids."""
    try:
        return standards()[standard_id]
    except KeyError:
        valid = ", ".join(standards())
        raise UnknownStandard(f"unknown standard {standard_id!r}: use one of {valid}") from None


def threshold_in_force(standard_id: str, on: date) -> float | None:
    """The operational threshold of ``standard_id`` in force on ``on`` (None if none was set)."""
    for t in get_standard(standard_id).thresholds:
        if t.kind == "operational" and t.in_force(on):
            return t.value
    return None


def ambition_for(standard_id: str, on: date) -> tuple[float, date] | None:
    """The planning ambition being worked towards on ``on``: (value, target month), or None."""
    for t in get_standard(standard_id).thresholds:
        if t.kind == "ambition" and t.in_force(on):
            return t.value, t.applies_to_month  # type: ignore[return-value]
    return None


def source_text(key: str) -> str:
    """Full citation of a catalogue source key."""
    return catalogue()[1].get(key, key)


HEADLINE_FAMILY = "consolidated"
"""The family of the three standards in force from 1 October 2023 (FDS, 31-day, 62-day): the
headline standards of every overview, tile and report (NHS England, "Cancer waiting times review
- consultation response", August 2023)."""


def headline_standards() -> tuple[str, ...]:
    """Ids of the headline standards, in catalogue order."""
    return tuple(s.id for s in standards().values() if s.family == HEADLINE_FAMILY)
