"""Small-number disclosure control, applied at the presentation layer only (domain brief 8).

Stored data is never altered: a front end aggregates first (so every total is computed from
unsuppressed counts) and then passes its metric rows through :func:`apply_suppression`
before showing, charting or exporting them.

Policies
--------
``none`` (the default)
    No suppression or rounding. NHS England's Cancer Waiting Times official statistics publish
    unsuppressed counts, including totals of 0.5, 1 and 2 (domain brief 8, [V-data]).

``nhsd_2018``
    NHS Digital's secondary-care rule from 13 September 2018 (HES/ECDS disclosure control;
    NHS Digital, "Hospital Episode Statistics (HES) analysis guide", section on suppression;
    domain brief 8, [V-doc]). National counts are not controlled. Sub-national counts of 1 to 7
    are replaced by ``*``; counts of 8 or more are rounded to the nearest 5. Percentages are
    recomputed from the rounded counts and are not shown for a suppressed cell.

``threshold``
    A configurable rule: sub-national counts greater than zero and below ``threshold`` are
    suppressed; other counts are shown unrounded.

Decisions where the source is silent (documented here, tested in ``tests/web``):

- zero is shown as zero (NHS Digital's zero handling is unverified in the brief);
- half patients (62-day shared pathways) count as small when above zero and below the limit,
  so 0.5 and 7.5 are suppressed under ``nhsd_2018``; rounding is to the nearest 5 with
  halves rounded up (12.5 → 15);
- a performance (and its Wilson interval, ``met`` flag, comparison with England and rank) is
  withheld when its numerator (``within_standard``) or denominator (``total``) is suppressed;
- under ``nhsd_2018`` the Wilson interval is recomputed from the rounded counts, so the
  interval cannot be used to recover the unrounded performance.

Every row that passes through gains ``suppressed``: the list of fields withheld (empty when
nothing was). Withheld values become ``None``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from cancerwatch.analytics.intervals import wilson_interval

POLICIES = ("none", "nhsd_2018", "threshold")
NHSD_2018_MIN_SHOWN = 8  # sub-national counts 1–7 are replaced by "*" (NHS Digital, 2018)
NHSD_2018_ROUND_TO = 5  # counts of 8 or more are rounded to the nearest 5
COUNT_FIELDS = ("total", "within_standard", "breaches")
DERIVED_FIELDS = ("performance", "ci_low", "ci_high", "met", "compared_with_england", "rank")
SUPPRESSED_MARK = "*"


def round_to_nearest(value: float, base: int = NHSD_2018_ROUND_TO) -> float:
    """``value`` rounded to the nearest multiple of ``base``, halves rounded up (12.5 → 15)."""
    return float(math.floor(value / base + 0.5) * base)


def _is_small(value: float | None, limit: float) -> bool:
    return value is not None and 0 < value < limit


def _controlled(value: float | None, policy: str, threshold: int) -> tuple[float | None, bool]:
    """(shown value, suppressed?) for one count under ``policy``."""
    if value is None:
        return None, False
    if policy == "nhsd_2018":
        if _is_small(value, NHSD_2018_MIN_SHOWN):
            return None, True
        return round_to_nearest(value), False
    if policy == "threshold":
        if _is_small(value, threshold):
            return None, True
        return value, False
    return value, False


def validate_policy(policy: str, threshold: int) -> None:
    """Raise ValueError for an unknown policy or a threshold below 1."""
    if policy not in POLICIES:
        raise ValueError(f"unknown suppression policy {policy!r}: use one of {', '.join(POLICIES)}")
    if policy == "threshold" and threshold < 1:
        raise ValueError("the threshold suppression policy needs a threshold of 1 or more")


def suppress_row(row: dict, policy: str, threshold: int, *, national_codes: Iterable[str] = ("ENG",)) -> dict:
    """One metric row under ``policy`` (a new dict; ``row`` is not changed)."""
    out = dict(row)
    already = list(row.get("suppressed") or [])
    if policy == "none" or row.get("org_code") in set(national_codes):
        out["suppressed"] = already
        return out
    withheld = set(already)
    for f in COUNT_FIELDS:
        if f not in row:
            continue
        shown, hidden = _controlled(row[f], policy, threshold)
        out[f] = shown
        if hidden:
            withheld.add(f)
    if "total" in withheld or "within_standard" in withheld or out.get("total") in (None, 0):
        for f in DERIVED_FIELDS:
            if f in row and row[f] is not None:
                out[f] = None
                withheld.add(f)
    elif policy == "nhsd_2018" and "total" in row:
        total, within = float(out["total"]), float(out["within_standard"])
        perf = min(1.0, within / total)
        out["performance"] = perf
        if "ci_low" in row:
            out["ci_low"], out["ci_high"] = wilson_interval(min(within, total), total)
        threshold_value = row.get("threshold")
        if "met" in row:
            out["met"] = perf >= threshold_value if threshold_value is not None else None
    out["suppressed"] = [f for f in (*COUNT_FIELDS, *DERIVED_FIELDS) if f in withheld]
    return out


def apply_suppression(
    rows: Sequence[dict],
    policy: str,
    threshold: int = NHSD_2018_MIN_SHOWN,
    *,
    national_codes: Iterable[str] = frozenset({"ENG"}),
) -> list[dict]:
    """Metric rows with small numbers controlled under ``policy`` (see module docstring).

    Rows of organisations in ``national_codes`` pass unchanged (national figures are not
    controlled). ``threshold`` is used by the ``threshold`` policy only.

    >>> row = {"org_code": "RXX", "total": 9.0, "within_standard": 3.0, "breaches": 6.0, "performance": 1 / 3}
    >>> apply_suppression([row], "nhsd_2018")[0]["within_standard"] is None
    True
    >>> apply_suppression([row], "nhsd_2018")[0]["suppressed"]
    ['within_standard', 'breaches', 'performance']
    """
    validate_policy(policy, threshold)
    codes = frozenset(national_codes)
    return [suppress_row(r, policy, threshold, national_codes=codes) for r in rows]
