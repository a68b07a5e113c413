"""Load, validate and look up the indicator catalogue (``indicators.toml``).

Indicators are the cancer measures beyond the waiting-time standards: prevention, screening,
early diagnosis, survival, patient experience, workforce and spend (docs/indicators.md). Like the
standards, every target is a dated record with a source, so code asks for "the target in force
for a period ending on date D" (:func:`target_in_force`) rather than hard-coding 75%.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from cancerwatch.catalogue.organisations import LEVELS
from cancerwatch.catalogue.packaged import validated_toml
from cancerwatch.errors import UsageError

UNITS = ("proportion", "rate_per_100k", "mean_score", "count", "gbp_per_head", "fte")
ADDITIVE_UNITS = ("proportion", "rate_per_100k", "gbp_per_head", "fte")  # numerator / denominator sum
SUM_UNITS = ("fte",)  # the value is the numerator itself (staff in post); roll-ups sum it
POLARITIES = ("increase", "decrease", "neutral")
PERIOD_TYPES = ("month", "quarter", "financial_year", "calendar_year")
CI_METHODS = ("wilson", "published", "none")
TARGET_KINDS = ("target", "acceptable", "achievable", "ambition")
MET_KINDS = ("target", "acceptable", "ambition")  # judged against the first in force, in this order
CONFIDENCE = ("V-data", "V-doc", "V-code", "V-2nd", "unverified")
REQUIRED_TEXT = ("name", "family", "definition", "numerator", "denominator", "source")


class UnknownIndicator(UsageError):
    """An indicator id not in the catalogue."""


@dataclass(frozen=True)
class Target:
    """A dated target; in force for periods ending within [effective_from, effective_to]."""

    kind: str
    value: float
    effective_from: date
    effective_to: date | None
    source: str
    confidence: str
    target_date: date | None = None
    note: str = ""

    def in_force(self, on: date) -> bool:
        """True when ``on`` lies within [effective_from, effective_to]."""
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


@dataclass(frozen=True)
class FingertipsMapping:
    """Which Fingertips indicator and stratum (sex, age) feeds a catalogue indicator."""

    indicator_id: int
    sex: str
    age: str
    scale: float
    name_pattern: str
    confidence: str


@dataclass(frozen=True)
class Indicator:
    """One indicator: meaning, unit, polarity, levels, interval method, sources and targets."""

    id: str
    name: str
    family: str
    definition: str
    numerator: str
    denominator: str
    unit: str
    polarity: str
    levels: tuple[str, ...]
    period_type: str
    ci_method: str
    source: str
    targets: tuple[Target, ...] = ()
    ci_note: str = ""
    aggregate_from: str | None = None
    prices: str | None = None
    price_base: str | None = None
    fingertips: tuple[FingertipsMapping, ...] = ()
    cpes: dict = field(default_factory=dict)
    workforce: dict = field(default_factory=dict)
    spend: dict = field(default_factory=dict)


def _as_date(value: object) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _target(raw: dict) -> Target:
    return Target(
        kind=str(raw.get("kind", "")),
        value=float(raw.get("value", "nan")),
        effective_from=_as_date(raw.get("effective_from")) or date.min,
        effective_to=_as_date(raw.get("effective_to")),
        source=str(raw.get("source", "")),
        confidence=str(raw.get("confidence", "")),
        target_date=_as_date(raw.get("target_date")),
        note=str(raw.get("note", "")),
    )


def _fingertips(raw: dict) -> FingertipsMapping:
    return FingertipsMapping(
        indicator_id=int(raw["indicator_id"]),
        sex=str(raw.get("sex", "Persons")),
        age=str(raw.get("age", "")),
        scale=float(raw.get("scale", 1)),
        name_pattern=str(raw.get("name_pattern", "")),
        confidence=str(raw.get("confidence", "")),
    )


def parse_catalogue(raw: dict) -> tuple[dict[str, Indicator], dict[str, str]]:
    """Indicators by id and sources by key from the parsed TOML (not yet validated)."""
    sources = dict(raw.get("sources", {}))
    out: dict[str, Indicator] = {}
    for iid, s in raw.get("indicators", {}).items():
        out[iid] = Indicator(
            id=iid,
            name=str(s.get("name", "")),
            family=str(s.get("family", "")),
            definition=str(s.get("definition", "")),
            numerator=str(s.get("numerator", "")),
            denominator=str(s.get("denominator", "")),
            unit=str(s.get("unit", "")),
            polarity=str(s.get("polarity", "")),
            levels=tuple(s.get("levels", ())),
            period_type=str(s.get("period_type", "")),
            ci_method=str(s.get("ci_method", "")),
            source=str(s.get("source", "")),
            targets=tuple(_target(t) for t in s.get("targets", ())),
            ci_note=str(s.get("ci_note", "")),
            aggregate_from=s.get("aggregate_from"),
            prices=s.get("prices"),
            price_base=s.get("price_base"),
            fingertips=tuple(_fingertips(f) for f in s.get("fingertips", ())),
            cpes=dict(s.get("cpes", {})),
            workforce=dict(s.get("workforce", {})),
            spend=dict(s.get("spend", {})),
        )
    return out, sources


def _field_problems(i: Indicator, sources: dict[str, str]) -> list[str]:
    problems = [f"{i.id}: {name} is missing" for name in REQUIRED_TEXT if not getattr(i, name).strip()]
    if i.source and i.source not in sources:
        problems.append(f"{i.id}: source {i.source!r} not in [sources]")
    for name, value, allowed in (
        ("unit", i.unit, UNITS),
        ("polarity", i.polarity, POLARITIES),
        ("period_type", i.period_type, PERIOD_TYPES),
        ("ci_method", i.ci_method, CI_METHODS),
    ):
        if value not in allowed:
            problems.append(f"{i.id}: {name} {value!r} is not one of {', '.join(allowed)}")
    if not i.levels or any(lv not in LEVELS for lv in i.levels):
        problems.append(f"{i.id}: levels {list(i.levels)} must be a non-empty subset of {', '.join(LEVELS)}")
    if i.ci_method == "wilson" and i.unit != "proportion":
        problems.append(f"{i.id}: a Wilson interval needs a proportion, not {i.unit!r}")
    if i.aggregate_from is not None and (i.unit not in ADDITIVE_UNITS or i.aggregate_from not in i.levels):
        problems.append(f"{i.id}: aggregate_from {i.aggregate_from!r} needs an additive unit and a listed level")
    if i.prices is not None and (i.prices != "real" or i.unit != "gbp_per_head"):
        problems.append(f"{i.id}: prices = 'real' applies to gbp_per_head indicators only")
    return problems


def _target_problems(i: Indicator, sources: dict[str, str]) -> list[str]:
    problems = []
    if i.targets and i.polarity == "neutral":
        problems.append(f"{i.id}: a neutral indicator cannot have targets")
    for t in i.targets:
        where = f"{i.id}: {t.kind} {t.value}"
        if t.kind not in TARGET_KINDS:
            problems.append(f"{where}: kind must be one of {', '.join(TARGET_KINDS)}")
        if t.source not in sources:
            problems.append(f"{where}: source {t.source!r} not in [sources]")
        if t.confidence not in CONFIDENCE:
            problems.append(f"{where}: confidence {t.confidence!r} is not one of {', '.join(CONFIDENCE)}")
        if t.effective_from == date.min:
            problems.append(f"{where}: effective_from is missing")
        if t.effective_to is not None and t.effective_to < t.effective_from:
            problems.append(f"{where}: ends before it starts")
        if i.unit == "proportion" and not 0 <= t.value <= 1:
            problems.append(f"{where}: not a proportion (write 75% as 0.75)")
    for kind in TARGET_KINDS:
        same = sorted((t for t in i.targets if t.kind == kind), key=lambda t: t.effective_from)
        for a, b in itertools.pairwise(same):
            if a.effective_to is None or a.effective_to >= b.effective_from:
                problems.append(f"{i.id}: {kind} targets overlap from {b.effective_from}")
    return problems


def _mapping_problems(indicators: dict[str, Indicator]) -> list[str]:
    problems = []
    seen_ft: dict[tuple, str] = {}
    seen_groups: dict[str, str] = {}
    for i in indicators.values():
        for m in i.fingertips:
            key = (m.indicator_id, m.sex.lower(), m.age.lower())
            if key in seen_ft:
                problems.append(f"{i.id}: Fingertips {m.indicator_id} ({m.sex}, {m.age}) also maps to {seen_ft[key]}")
            seen_ft[key] = i.id
            if m.confidence not in CONFIDENCE:
                problems.append(f"{i.id}: Fingertips mapping confidence {m.confidence!r}")
            if not m.name_pattern or m.scale <= 0:
                problems.append(f"{i.id}: Fingertips mapping needs a name_pattern and a positive scale")
        for pattern in (i.cpes.get("question_pattern"), i.spend.get("programme_pattern")):
            if pattern is not None:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    problems.append(f"{i.id}: pattern {pattern!r} does not compile ({exc})")
        for group in i.workforce.get("staff_groups", ()):
            norm = normalise(group)
            if norm in seen_groups:
                problems.append(f"{i.id}: staff group {group!r} also maps to {seen_groups[norm]}")
            seen_groups[norm] = i.id
    return problems


def validate_catalogue(indicators: dict[str, Indicator], sources: dict[str, str]) -> list[str]:
    """Every problem found: missing text or source, bad enums, overlapping targets, clashing maps."""
    problems: list[str] = []
    for i in indicators.values():
        problems += _field_problems(i, sources)
        problems += _target_problems(i, sources)
    return problems + _mapping_problems(indicators)


def normalise(text: str) -> str:
    """Lower case, single spaces: how staff-group and stratum labels are compared."""
    return " ".join(str(text).lower().split())


@cache
def catalogue() -> tuple[dict[str, Indicator], dict[str, str]]:
    """The packaged catalogue (indicators by id, sources by key), validated once."""
    return validated_toml("indicators.toml", parse_catalogue, validate_catalogue, "indicator")


def indicators() -> dict[str, Indicator]:
    """All indicators by id, in catalogue order."""
    return catalogue()[0]


def get_indicator(indicator_id: str) -> Indicator:
    """The indicator with this id, or UnknownIndicator naming the valid ids."""
    try:
        return indicators()[indicator_id]
    except KeyError:
        raise UnknownIndicator(f"unknown indicator {indicator_id!r}: use one of {', '.join(indicators())}") from None


def target_in_force(indicator: Indicator, on: date, kinds: tuple[str, ...] = MET_KINDS) -> Target | None:
    """The first target of ``kinds`` (in that order of preference) in force on ``on``."""
    for kind in kinds:
        for t in indicator.targets:
            if t.kind == kind and t.in_force(on):
                return t
    return None


def source_text(key: str) -> str:
    """Full citation of a catalogue source key."""
    return catalogue()[1].get(key, key)


def fingertips_map() -> dict[int, list[tuple[Indicator, FingertipsMapping]]]:
    """Fingertips indicator id → the catalogue indicators (and strata) it feeds."""
    out: dict[int, list[tuple[Indicator, FingertipsMapping]]] = {}
    for i in indicators().values():
        for m in i.fingertips:
            out.setdefault(m.indicator_id, []).append((i, m))
    return out


def staff_group_map() -> dict[str, Indicator]:
    """Normalised staff-group label → workforce indicator."""
    return {normalise(g): i for i in indicators().values() for g in i.workforce.get("staff_groups", ())}
