"""The diagnostics catalogue: the DM01 tests and the diagnostic waiting-time standard.

- ``diagnostic_tests.csv``: the 15 tests of NHS England's monthly Diagnostics Waiting Times and
  Activity return (DM01), each with the name DM01 publishes, its group (imaging, physiological
  measurement, endoscopy) and whether cancer diagnostic pathways depend on it (CT, MRI,
  non-obstetric ultrasound, colonoscopy, flexible sigmoidoscopy, gastroscopy, cystoscopy).
- ``standards.toml`` ``[diagnostic_standards]``: the six-week standard, whose thresholds are
  *maximum* shares of the waiting list (no more than 1% waiting 6 weeks or more; the interim
  ambition of 95% within 6 weeks, i.e. at most 5% waiting longer, by March 2025).

The CWT standards (``catalogue/standards.py``) count patients seen *within* a time and are met at
or above their threshold; the DM01 standard counts patients *still waiting beyond* a time and is
met at or below it (improvement direction ``decrease``). Keeping it in its own table means every
CWT code path that lists ``standards()`` is unchanged.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from functools import cache

from cancerwatch.catalogue.organisations import packaged_rows
from cancerwatch.catalogue.packaged import validated_toml
from cancerwatch.catalogue.standards import DIRECTIONS, THRESHOLD_KINDS, Threshold
from cancerwatch.errors import UsageError

ALL_TESTS = "all"  # the DM01 "Provider" sheet: every test together
ALL_TESTS_NAME = "All DM01 tests"
DM01 = "dm01"
CONFIDENCE = ("V-data", "V-doc", "V-2nd", "unverified")


@dataclass(frozen=True)
class DiagnosticTest:
    """One DM01 test: cancerwatch id, name as DM01 publishes it, group, cancer-pathway flag."""

    id: str
    dm01_name: str
    group: str
    cancer_pathway: bool
    pathway_note: str
    confidence: str
    source: str


@dataclass(frozen=True)
class DiagnosticStandard:
    """A waiting-list standard: the share waiting ``weeks`` or more, with dated maximum shares."""

    id: str
    name: str
    short_name: str
    family: str
    measure: str
    weeks: int
    clock_start: str
    clock_stop: str
    improvement_direction: str
    source: str
    thresholds: tuple[Threshold, ...]


def normalise_test_name(text: str) -> str:
    """Lower case, single spaces, no spaces around hyphens: how test names are compared."""
    return " ".join(str(text).lower().replace(" - ", "-").replace("-", " - ").split())


@cache
def diagnostic_tests() -> dict[str, DiagnosticTest]:
    """The DM01 tests by cancerwatch id, in DM01 order."""
    out = {}
    for r in packaged_rows("diagnostic_tests.csv"):
        out[r["test"]] = DiagnosticTest(
            id=r["test"],
            dm01_name=r["dm01_name"],
            group=r["group"],
            cancer_pathway=r["cancer_pathway"] == "yes",
            pathway_note=r["pathway_note"] or "",
            confidence=r["confidence"],
            source=r["source"],
        )
    return out


def cancer_pathway_tests() -> tuple[str, ...]:
    """Ids of the tests cancer diagnostic pathways depend on, in DM01 order."""
    return tuple(t.id for t in diagnostic_tests().values() if t.cancer_pathway)


@cache
def dm01_name_to_test() -> dict[str, str]:
    """Normalised DM01 test name → cancerwatch test id."""
    return {normalise_test_name(t.dm01_name): t.id for t in diagnostic_tests().values()}


def diagnostic_test_name(test_id: str) -> str:
    """The DM01 name of a test id (``all`` → every test together)."""
    if test_id == ALL_TESTS:
        return ALL_TESTS_NAME
    return diagnostic_tests()[test_id].dm01_name


def check_tests(test_ids: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Validate test ids (``all`` allowed); UsageError naming the valid ids otherwise."""
    valid = (*diagnostic_tests(), ALL_TESTS)
    for t in test_ids:
        if t not in valid:
            raise UsageError(f"unknown diagnostic test {t!r}: use one of {', '.join(valid)}")
    return tuple(test_ids)


def _as_date(value: object) -> date | None:
    if value is None:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _parse(raw: dict) -> tuple[dict[str, DiagnosticStandard], dict[str, str]]:
    sources = {**raw.get("sources", {}), **raw.get("diagnostic_sources", {})}
    out = {}
    for sid, s in raw.get("diagnostic_standards", {}).items():
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
        out[sid] = DiagnosticStandard(
            id=sid,
            name=s["name"],
            short_name=s["short_name"],
            family=s["family"],
            measure=s["measure"],
            weeks=int(s["weeks"]),
            clock_start=s["clock_start"],
            clock_stop=s["clock_stop"],
            improvement_direction=s["improvement_direction"],
            source=s["source"],
            thresholds=thresholds,
        )
    return out, sources


def validate(standards: dict[str, DiagnosticStandard], sources: dict[str, str]) -> list[str]:
    """Problems in the diagnostics catalogue: unknown sources, directions, kinds; overlaps."""
    problems = []
    for s in standards.values():
        if s.improvement_direction not in DIRECTIONS:
            problems.append(f"{s.id}: improvement_direction {s.improvement_direction!r}")
        if s.source not in sources:
            problems.append(f"{s.id}: source {s.source!r} not in the sources")
        for t in s.thresholds:
            if t.kind not in THRESHOLD_KINDS:
                problems.append(f"{s.id}: threshold kind {t.kind!r}")
            if t.source not in sources:
                problems.append(f"{s.id}: threshold source {t.source!r} not in the sources")
            if t.confidence not in CONFIDENCE:
                problems.append(f"{s.id}: threshold confidence {t.confidence!r}")
            if not 0 < t.value <= 1:
                problems.append(f"{s.id}: threshold {t.value} is not a proportion")
            if t.effective_to is not None and t.effective_to < t.effective_from:
                problems.append(f"{s.id}: threshold ends before it starts")
        for kind in THRESHOLD_KINDS:
            same = sorted((t for t in s.thresholds if t.kind == kind), key=lambda t: t.effective_from)
            for a, b in itertools.pairwise(same):
                if a.effective_to is None or a.effective_to >= b.effective_from:
                    problems.append(f"{s.id}: {kind} thresholds overlap at {b.effective_from}")
    for test in diagnostic_tests().values():
        if test.source not in sources:
            problems.append(f"test {test.id}: source {test.source!r} not in the sources")
        if test.confidence not in CONFIDENCE:
            problems.append(f"test {test.id}: confidence {test.confidence!r}")
    return problems


@cache
def diagnostics_catalogue() -> tuple[dict[str, DiagnosticStandard], dict[str, str]]:
    """The packaged diagnostic standards and every source they cite, validated once."""
    return validated_toml("standards.toml", _parse, validate, "diagnostics")


def diagnostic_standards() -> dict[str, DiagnosticStandard]:
    """The diagnostic waiting-time standards by id."""
    return diagnostics_catalogue()[0]


def get_diagnostic_standard(standard_id: str = DM01) -> DiagnosticStandard:
    """The diagnostic standard with this id (UsageError naming the valid ids)."""
    try:
        return diagnostic_standards()[standard_id]
    except KeyError:
        raise UsageError(
            f"unknown diagnostic standard {standard_id!r}: use one of {', '.join(diagnostic_standards())}"
        ) from None


def threshold_for(standard_id: str, on: date, kind: str = "operational") -> Threshold | None:
    """The threshold of ``kind`` in force on ``on`` (for an ambition: the one being worked towards)."""
    for t in get_diagnostic_standard(standard_id).thresholds:
        if t.kind == kind and t.in_force(on):
            return t
    return None


def meets(share: float | None, threshold: float | None, improvement_direction: str) -> bool | None:
    """Whether ``share`` meets ``threshold``: at or below it when lower is better, else at or above."""
    if share is None or threshold is None or improvement_direction == "neutral":
        return None
    return share <= threshold if improvement_direction == "decrease" else share >= threshold


def source_text(key: str) -> str:
    """Full citation of a diagnostics (or standards) source key."""
    return diagnostics_catalogue()[1].get(key, key)
