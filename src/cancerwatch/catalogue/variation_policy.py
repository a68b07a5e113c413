"""Load and validate the variation policy (``variation_policy.toml``): SPC and funnel defaults.

The policy is data with its sources: the SPC target, moving-range screening, the points needed
for settled limits and the rebase dates per standard (NHSRplotthedots; Making Data Count), and
the funnel target, method, overdispersion adjustment and minimum number of organisations for it
(FunnelPlotR; Spiegelhalter 2005). ``cancerwatch.variation`` applies it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

from cancerwatch.catalogue.standards import standards

SPC_TARGETS = ("threshold",)
FUNNEL_TARGETS = ("england", "threshold")
FUNNEL_METHODS = ("arcsine", "normal")


@dataclass(frozen=True)
class Rebase:
    """A known, sustained change: a new group of SPC limits from ``on`` for ``standards``."""

    standards: tuple[str, ...]
    on: date
    reason: str
    source: str


@dataclass(frozen=True)
class SpcPolicy:
    """How SPC charts are drawn."""

    target: str
    screen_outliers: bool
    settled_points: int
    rebase: tuple[Rebase, ...]
    source: str

    def rebase_dates(self, standard_id: str) -> tuple[date, ...]:
        """The policy's rebase dates for a standard, in date order."""
        return tuple(sorted(r.on for r in self.rebase if standard_id in r.standards))

    def rebase_reasons(self, standard_id: str) -> tuple[str, ...]:
        """Why each of :meth:`rebase_dates` is a rebase point."""
        return tuple(r.reason for r in sorted(self.rebase, key=lambda r: r.on) if standard_id in r.standards)


@dataclass(frozen=True)
class FunnelPolicy:
    """How funnel plots are drawn."""

    target: str
    method: str
    overdispersion: bool
    min_units: int
    source: str


@dataclass(frozen=True)
class VariationPolicy:
    """The SPC and funnel policies, and the citations of their sources."""

    spc: SpcPolicy
    funnel: FunnelPolicy
    sources: dict[str, str]


def parse_policy(raw: dict) -> VariationPolicy:
    """The policy from parsed TOML; ValueError naming every problem found."""
    sources = dict(raw.get("sources", {}))
    s, f = raw["spc"], raw["funnel"]
    rebase = tuple(
        Rebase(tuple(r["standards"]), date.fromisoformat(str(r["on"])), r["reason"], r["source"])
        for r in s.get("rebase", [])
    )
    policy = VariationPolicy(
        SpcPolicy(s["target"], bool(s["screen_outliers"]), int(s["settled_points"]), rebase, s["source"]),
        FunnelPolicy(f["target"], f["method"], bool(f["overdispersion"]), int(f["min_units"]), f["source"]),
        sources,
    )
    problems = []
    if policy.spc.target not in SPC_TARGETS:
        problems.append(f"spc.target {policy.spc.target!r}")
    if policy.spc.settled_points < 2:
        problems.append("spc.settled_points must be at least 2")
    if policy.funnel.target not in FUNNEL_TARGETS:
        problems.append(f"funnel.target {policy.funnel.target!r}")
    if policy.funnel.method not in FUNNEL_METHODS:
        problems.append(f"funnel.method {policy.funnel.method!r}")
    if policy.funnel.min_units < 2:
        problems.append("funnel.min_units must be at least 2")
    known = standards()
    for r in rebase:
        problems += [f"spc.rebase: unknown standard {sid!r}" for sid in r.standards if sid not in known]
    for key in (policy.spc.source, policy.funnel.source, *(r.source for r in rebase)):
        if key not in sources:
            problems.append(f"source {key!r} not in [sources]")
    if problems:
        raise ValueError("variation policy is invalid: " + "; ".join(problems))
    return policy


@cache
def variation_policy() -> VariationPolicy:
    """The packaged policy, validated once."""
    text = resources.files("cancerwatch.catalogue").joinpath("variation_policy.toml").read_text("utf-8")
    return parse_policy(tomllib.loads(text))
