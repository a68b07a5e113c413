"""One disclosure policy for every output: pages, the JSON API, CSV and Excel exports, reports.

:class:`Disclosure` is built from the injected :class:`~cancerwatch.config.Settings` (never from
the environment), the mode (public or internal) and whether the viewer may see figures computed
from record-level data. It follows NHS practice (rules in :mod:`cancerwatch.catalogue.suppression`):

- NHS England's published aggregates (dataset ``published``) are shown as published, unrounded,
  in public mode too;
- figures computed from record-level data (dataset ``record``, and the early-diagnosis and
  emergency-presentation figures derived from pathways) are shown only to a viewer who may see
  record-level figures (signed in, never on the public site), with the configured policy applied;
  public mode applies at least ``nhsd_2018`` to them;
- verdicts (met, outlier, SPC signal, assurance, rank) are computed from the unrounded figures
  before disclosure control, so rounding never changes one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cancerwatch.analytics.intervals import wilson_interval
from cancerwatch.catalogue.organisations import NATIONAL_CODE
from cancerwatch.catalogue.suppression import (
    CONTROLLED_DATASETS,
    COUNT_FIELDS,
    DERIVED_FIELDS,
    NHSD_2018_MIN_SHOWN,
    RATE_FIELDS,
    controlled_count,
    validate_policy,
)
from cancerwatch.config import Settings
from cancerwatch.errors import UsageError


class RecordLevelRefused(UsageError):
    """The viewer may not see figures computed from record-level data."""


def suppress_row(row: dict, policy: str, threshold: int, *, national_codes: Iterable[str] = (NATIONAL_CODE,)) -> dict:
    """One metric row under ``policy`` (a new dict; ``row`` is not changed).

    Every row gains ``suppressed``: the fields withheld (empty when nothing was). Withheld
    values become ``None``. National rows are not controlled (NHS Digital, 2018).
    """
    out = dict(row)
    already = list(row.get("suppressed") or [])
    if policy == "none" or row.get("org_code") in set(national_codes):
        out["suppressed"] = already
        return out
    withheld = set(already)
    for f in COUNT_FIELDS:
        if f not in row:
            continue
        shown, hidden = controlled_count(row[f], policy, threshold)
        out[f] = shown
        if hidden:
            withheld.add(f)
    if "total" in withheld or "within_standard" in withheld or out.get("total") in (None, 0):
        for f in DERIVED_FIELDS:
            if f in row and row[f] is not None:
                out[f] = None
                withheld.add(f)
    elif policy == "nhsd_2018" and "total" in row:
        # percentages from the rounded counts (NHS Digital), so the rounding cannot be undone;
        # the verdicts (met, comparison, rank) stay those of the unrounded figures
        total, within = float(out["total"]), float(out["within_standard"])
        out["performance"] = min(1.0, within / total)
        if "ci_low" in row:
            out["ci_low"], out["ci_high"] = wilson_interval(min(within, total), total)
    out["suppressed"] = [f for f in (*COUNT_FIELDS, *DERIVED_FIELDS) if f in withheld]
    return out


def apply_suppression(
    rows: Sequence[dict],
    policy: str,
    threshold: int = NHSD_2018_MIN_SHOWN,
    *,
    national_codes: Iterable[str] = frozenset({NATIONAL_CODE}),
) -> list[dict]:
    """Metric rows with small numbers controlled under ``policy`` (see :func:`suppress_row`).

    >>> row = {"org_code": "RXX", "total": 9.0, "within_standard": 3.0, "breaches": 6.0, "performance": 1 / 3}
    >>> apply_suppression([row], "nhsd_2018")[0]["within_standard"] is None
    True
    >>> apply_suppression([row], "nhsd_2018")[0]["suppressed"]
    ['within_standard', 'breaches', 'performance']
    """
    validate_policy(policy, threshold)
    codes = frozenset(national_codes)
    return [suppress_row(r, policy, threshold, national_codes=codes) for r in rows]


def unchanged(rows: Iterable[dict]) -> list[dict]:
    """Rows as shown without control: new dicts, each with its ``suppressed`` list."""
    return [{**r, "suppressed": list(r.get("suppressed") or [])} for r in rows]


@dataclass(frozen=True)
class Disclosure:
    """What a viewer may see, and the small-number rule applied to record-level figures."""

    policy: str = "none"
    threshold: int = NHSD_2018_MIN_SHOWN
    public: bool = False
    record_access: bool = True

    def __post_init__(self) -> None:
        validate_policy(self.policy, self.threshold)
        if self.public and self.record_access:
            object.__setattr__(self, "record_access", False)  # never on the public site

    @classmethod
    def from_settings(cls, settings: Settings, *, public: bool = False, record_access: bool = True) -> Disclosure:
        """The policy of ``settings`` for a viewer (record access is always off in public mode)."""
        return cls(settings.suppression_policy, settings.suppression_threshold, public, record_access)

    def steps(self) -> list[tuple[str, int]]:
        """The rules applied to record-level figures, in order.

        Internal mode applies the configured policy. Public mode applies at least ``nhsd_2018``; a
        configured ``threshold`` policy with a limit above 8 is applied on top.
        """
        if not self.public:
            return [] if self.policy == "none" else [(self.policy, self.threshold)]
        steps = [("nhsd_2018", NHSD_2018_MIN_SHOWN)]
        if self.policy == "threshold" and self.threshold > NHSD_2018_MIN_SHOWN:
            steps.append(("threshold", self.threshold))
        return steps

    @staticmethod
    def controls(dataset: str) -> bool:
        """True when figures of ``dataset`` are computed from record-level data (and so controlled)."""
        return dataset in CONTROLLED_DATASETS

    def label(self, dataset: str = "record") -> str:
        """Human-readable name of the rule applied to ``dataset`` (``none`` for published figures)."""
        steps = self.steps() if self.controls(dataset) else []
        if not steps:
            return "none"
        return " + ".join(p if p != "threshold" else f"threshold (below {t})" for p, t in steps)

    def may_see(self, dataset: str) -> bool:
        """True when the viewer may see figures of ``dataset``."""
        return self.record_access or not self.controls(dataset)

    def check(self, dataset: str) -> None:
        """Raise :class:`RecordLevelRefused` when the viewer may not see ``dataset``."""
        if not self.may_see(dataset):
            raise RecordLevelRefused(
                "figures computed from record-level data are shown only to signed-in users"
                if not self.public
                else "figures computed from record-level data are not published on this site"
            )

    def show(self, rows: Iterable[dict], dataset: str) -> list[dict]:
        """Rows as the viewer may see them: published figures as published, record-level ones
        controlled (a new list of new dicts; the input is not changed)."""
        if not self.controls(dataset):
            return unchanged(rows)
        self.check(dataset)
        out = unchanged(rows)
        for policy, threshold in self.steps():
            out = apply_suppression(out, policy, threshold)
        return out

    def withheld_rates(self, row: dict) -> bool:
        """True when a shown row has its rate withheld (so charts leave it out)."""
        return any(f in (row.get("suppressed") or []) for f in RATE_FIELDS)
