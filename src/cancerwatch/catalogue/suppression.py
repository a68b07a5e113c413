"""Small-number disclosure control: the policies and their rules (applied by ``read.disclosure``).

What is controlled (NHS practice):

- NHS England's published Cancer Waiting Times aggregates are official statistics released
  under the Open Government Licence without suppression, including totals of 0.5, 1 and 2
  (NHS England, "Cancer Waiting Times" statistical work area). cancerwatch shows them as
  published, in public mode too.
- Figures computed from record-level data (pathway files, uploads of them) are not published
  by anyone else; disclosure control applies to them, after aggregation and before anything is
  shown, charted or exported. Stored data is never altered.

Policies
--------
``none`` (the default)
    No suppression or rounding.

``nhsd_2018``
    NHS Digital's secondary-care rule from 13 September 2018 (NHS Digital, "Hospital Episode
    Statistics (HES) analysis guide", disclosure control). National counts are not controlled.
    Sub-national counts of 1 to 7 are replaced by ``*``; counts of 8 or more are rounded to the
    nearest 5. Percentages are recomputed from the rounded counts and are not shown for a
    suppressed cell.

``threshold``
    A configurable rule: sub-national counts greater than zero and below ``threshold`` are
    suppressed; other counts are shown unrounded.

Decisions where the source is silent (documented in ``docs/methods.md``):

- zero is shown as zero;
- half patients count as small when above zero and below the limit, so 0.5 and 7.5 are
  suppressed under ``nhsd_2018``; rounding is to the nearest 5 with halves rounded up
  (12.5 → 15);
- a performance and its interval are withheld when its numerator or denominator is
  suppressed, and so are the verdicts drawn from it (``met``, the comparison with England,
  the rank);
- under ``nhsd_2018`` the interval is recomputed from the rounded counts, so it cannot be used to
  recover the unrounded performance; verdicts that are shown (``met``, the comparison with
  England, the rank) are those of the unrounded figures, so rounding never flips a verdict.
"""

from __future__ import annotations

import math

POLICIES = ("none", "nhsd_2018", "threshold")
NHSD_2018_MIN_SHOWN = 8  # sub-national counts 1–7 are replaced by "*" (NHS Digital, 2018)
NHSD_2018_ROUND_TO = 5  # counts of 8 or more are rounded to the nearest 5
COUNT_FIELDS = ("total", "within_standard", "breaches")
RATE_FIELDS = ("performance", "ci_low", "ci_high")
VERDICT_FIELDS = ("met", "compared_with_england", "rank")
DERIVED_FIELDS = (*RATE_FIELDS, *VERDICT_FIELDS)
CONTROLLED_DATASETS = ("record",)
"""Datasets whose figures are computed here from record-level data: disclosure control applies."""
RECORD_LEVEL_KINDS = ("pathways",)
"""Source kinds holding record-level rows: their quarantine reasons and rows are record-level too."""
SUPPRESSED_MARK = "*"


def round_to_nearest(value: float, base: int = NHSD_2018_ROUND_TO) -> float:
    """``value`` rounded to the nearest multiple of ``base``, halves rounded up (12.5 → 15)."""
    return float(math.floor(value / base + 0.5) * base)


def validate_policy(policy: str, threshold: int) -> None:
    """Raise ValueError for an unknown policy or a threshold below 1."""
    if policy not in POLICIES:
        raise ValueError(f"unknown suppression policy {policy!r}: use one of {', '.join(POLICIES)}")
    if policy == "threshold" and threshold < 1:
        raise ValueError("the threshold suppression policy needs a threshold of 1 or more")


def is_small(value: float | None, limit: float) -> bool:
    """True for a count above zero and below ``limit`` (a count the rules withhold)."""
    return value is not None and 0 < value < limit


def controlled_count(value: float | None, policy: str, threshold: int) -> tuple[float | None, bool]:
    """(shown value, withheld?) of one sub-national count under ``policy``."""
    if value is None:
        return None, False
    if policy == "nhsd_2018":
        if is_small(value, NHSD_2018_MIN_SHOWN):
            return None, True
        return round_to_nearest(value), False
    if policy == "threshold":
        if is_small(value, threshold):
            return None, True
        return value, False
    return value, False
