"""Quarterly performance-linked allocation of a Cancer Alliance funding pot, under named policies.

Every policy starts from each Alliance's **base share**: its share of 28-day FDS patients by
default (a measure of referral volume, not of population: it rewards Alliances that refer more),
or its share of population from an ONS population file (:mod:`.population`). Policies are data
(``catalogue/funding_policies.toml``, or a user file of the same shape; docs/methods.md,
"Alliance funding"):

- ``base``: each Alliance gets its base share (decoupled from performance);
- ``conditional``: a share ``w`` of each Alliance's base allocation is withheld unless it meets
  every target that quarter; withheld money is shared among the Alliances that met them in
  proportion to their base shares (if none did, nothing is withheld);
- ``improvement``: ``1 − w`` by base share, ``w`` in proportion to base share × improvement on
  the year's first quarter (mean change over the policy's standards; negative counts as zero);
- ``weighted``: a blend of base share, base-scaled performance and improvement.

A target is the operational threshold in force in the quarter (``target = "threshold"``, the
default), the planning ambition in force in the quarter, else the threshold (``"ambition"``), or
a fixed ``value``; thresholds and ambitions come from the standards catalogue.

The pot for each quarter with data is the annual pot divided by the number of such quarters, so
allocations always sum to the pot exactly (to the penny: largest-remainder rounding).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal
from importlib import resources
from pathlib import Path

from cancerwatch.catalogue.standards import ambition_for, get_standard, threshold_in_force
from cancerwatch.errors import InputError, UnknownStandard, UsageError
from cancerwatch.periods import add_months

PENNY = Decimal("0.01")
KINDS = ("base", "conditional", "improvement", "weighted")
LEGACY_NAMES = {"population": "base"}
"""Earlier names of the base share in policy files (``kind = "population"``, ``weights.population``),
still read: the share was never a population unless a population file was given."""
TARGET_KINDS = ("threshold", "ambition")


@dataclass(frozen=True)
class Target:
    """A condition of a conditional policy: ``standard`` at or above ``kind`` (``threshold``,
    ``ambition``) from the catalogue, or at or above a fixed ``value`` when one is given."""

    standard: str
    kind: str = "threshold"
    value: float | None = None

    def for_quarter(self, quarter_start: date) -> tuple[float | None, str]:
        """The target value for the quarter starting ``quarter_start`` and how it was chosen.

        ``threshold``: the operational threshold in force; ``ambition``: the planning ambition in
        force, else the operational threshold. Each is looked up for every month of the quarter;
        if they differed within it, the highest (strictest) applies. ``None`` when no threshold is
        in force: the target cannot be met.
        """
        if self.value is not None:
            return self.value, f"{self.standard} {self.value:.0%} (fixed)"
        found = []
        for m in (add_months(quarter_start, i) for i in range(3)):
            ambition = ambition_for(self.standard, m) if self.kind == "ambition" else None
            if ambition is not None:
                found.append((ambition[0], f"planning ambition for {ambition[1]:%B %Y}"))
            else:
                value = threshold_in_force(self.standard, m)
                if value is not None:
                    found.append((value, "operational threshold"))
        if len(found) < 3:
            return None, f"{self.standard}: no threshold in force"
        value, how = max(found)
        return value, f"{self.standard} {value:.0%} ({how})"


@dataclass(frozen=True)
class Policy:
    """A named allocation policy."""

    id: str
    kind: str
    description: str
    withheld_share: float = 0.0
    targets: tuple[Target, ...] = ()
    standards: tuple[str, ...] = ()
    weights: tuple[tuple[str, float], ...] = ()


def load_policies(path: Path | None = None) -> dict[str, Policy]:
    """Policies from ``path`` or the packaged file, validated (InputError naming key and reason)."""
    if path is None:
        text = resources.files("cancerwatch.catalogue").joinpath("funding_policies.toml").read_text("utf-8")
        name = "funding_policies.toml"
    else:
        text, name = Path(path).read_text("utf-8"), Path(path).name
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML ({exc})", file=name) from None
    out = {}
    for pid, p in raw.get("policies", {}).items():
        where = f"policies.{pid}"
        kind = LEGACY_NAMES.get(p.get("kind"), p.get("kind"))
        if kind not in KINDS:
            raise InputError(f"{where}.kind {kind!r} is not one of {', '.join(KINDS)}", file=name)
        w = float(p.get("withheld_share", 0.0))
        if not 0 <= w <= 1:
            raise InputError(f"{where}.withheld_share {w} is not between 0 and 1", file=name)
        weights = tuple((LEGACY_NAMES.get(k, k), float(v)) for k, v in p.get("weights", {}).items())
        if kind == "weighted":
            if {k for k, _ in weights} - {"base", "performance", "improvement"}:
                raise InputError(f"{where}.weights: use base, performance and improvement", file=name)
            if abs(sum(v for _, v in weights) - 1) > 1e-9 or any(v < 0 for _, v in weights):
                raise InputError(f"{where}.weights must be non-negative and sum to 1", file=name)
        targets = tuple(_target(t, f"{where}.targets", name) for t in p.get("targets", []))
        if kind == "conditional" and not targets:
            raise InputError(f"{where}.targets: a conditional policy needs at least one target", file=name)
        out[pid] = Policy(pid, kind, p.get("description", ""), w, targets, tuple(p.get("standards", ())), weights)
    if not out:
        raise InputError("no [policies.*] tables", file=name)
    return out


def _target(raw: dict, where: str, name: str) -> Target:
    standard, kind, value = raw.get("standard"), raw.get("target", "threshold"), raw.get("value")
    try:
        get_standard(str(standard))
    except UnknownStandard as exc:
        raise InputError(f"{where}: {exc}", file=name) from None
    if kind not in TARGET_KINDS:
        raise InputError(f"{where}: target {kind!r} is not one of {', '.join(TARGET_KINDS)}", file=name)
    if value is not None and not 0 < float(value) <= 1:
        raise InputError(f"{where}: value {value} is not a proportion", file=name)
    return Target(str(standard), kind, None if value is None else float(value))


@dataclass(frozen=True)
class AllianceQuarter:
    """What a policy needs to know about one Alliance in one quarter (``base_share``: its share of
    FDS patients, or of population when a population file is given)."""

    code: str
    name: str
    base_share: float
    met_targets: bool
    performance: float  # mean over the policy's standards
    improvement: float  # mean change on the baseline quarter


def allocate(policy: Policy, pot: Decimal, units: list[AllianceQuarter]) -> dict[str, Decimal]:
    """Split ``pot`` between ``units`` under ``policy``; the parts sum to ``pot`` exactly."""
    if not units:
        return {}
    shares = _shares(policy, units)
    return _round_to_pot(pot, shares)


def _norm(values: dict[str, float], fallback: dict[str, float]) -> dict[str, float]:
    total = sum(values.values())
    return {k: v / total for k, v in values.items()} if total > 0 else fallback


def _shares(policy: Policy, units: list[AllianceQuarter]) -> dict[str, float]:
    pop = _norm({u.code: u.base_share for u in units}, {u.code: 1 / len(units) for u in units})
    if policy.kind == "base":
        return pop
    w = policy.withheld_share
    if policy.kind == "conditional":
        met = [u for u in units if u.met_targets]
        if not met:
            return pop
        withheld = sum(w * pop[u.code] for u in units if not u.met_targets)
        met_pop = _norm({u.code: pop[u.code] for u in met}, pop)
        return {
            u.code: (pop[u.code] if u.met_targets else (1 - w) * pop[u.code]) + withheld * met_pop.get(u.code, 0)
            for u in units
        }
    if policy.kind == "improvement":
        imp = _norm({u.code: pop[u.code] * max(0.0, u.improvement) for u in units}, pop)
        return {u.code: (1 - w) * pop[u.code] + w * imp[u.code] for u in units}
    weights = dict(policy.weights)
    perf = _norm({u.code: pop[u.code] * max(0.0, u.performance) for u in units}, pop)
    imp = _norm({u.code: pop[u.code] * max(0.0, u.improvement) for u in units}, pop)
    return {
        u.code: weights.get("base", 0) * pop[u.code]
        + weights.get("performance", 0) * perf[u.code]
        + weights.get("improvement", 0) * imp[u.code]
        for u in units
    }


def _round_to_pot(pot: Decimal, shares: dict[str, float]) -> dict[str, Decimal]:
    """Largest-remainder rounding to the penny so the parts sum to ``pot`` exactly."""
    raw = {k: pot * Decimal(repr(v)) for k, v in shares.items()}
    floors = {k: v.quantize(PENNY, rounding=ROUND_DOWN) for k, v in raw.items()}
    left = int(((pot - sum(floors.values())) / PENNY).to_integral_value())
    for k in sorted(raw, key=lambda k: raw[k] - floors[k], reverse=True)[: max(0, left)]:
        floors[k] += PENNY
    if sum(floors.values()) != pot:  # pragma: no cover - guarded by construction
        raise UsageError("allocation does not sum to the pot")
    return floors
