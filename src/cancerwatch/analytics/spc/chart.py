"""``compute_spc``: a Making Data Count XmR chart of one series, points and icons.

Orchestrates :mod:`.limits`, :mod:`.rules` and :mod:`.icons` as NHSRplotthedots 0.2.2 ``ptd_spc()``
does (``R/ptd_spc.R``): split into rebase groups, compute limits per group, apply the rules within
each group, classify the points, add short-group warnings and the target; ``summary`` mirrors
``summary.ptd_spc_df``. Output field names follow docs/architecture.md, CLI contract (``cancerwatch spc``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime

import numpy as np

from cancerwatch.analytics.spc import icons, rules
from cancerwatch.analytics.spc.limits import validate_fix_after_n_points, xmr_limits

SHORT_GROUP_WARNING_THRESHOLD = 13
"""Groups with fewer points get ``short_group_warning`` ("trial limits"): NHSRplotthedots 0.2.2
``ptd_add_short_group_warnings.R`` default of option ``ptd_spc.warning_threshold`` (its help page
says 12; the code says 13)."""


@dataclass(frozen=True)
class SpcPoint:
    """One point of the chart, with the ``cancerwatch spc`` per-point fields of docs/architecture.md."""

    period_start: date
    value: float
    mean: float | None
    lpl: float | None
    upl: float | None
    rebase_group: int
    outside_limits: bool
    relative_to_mean: int
    close_to_limits: int
    special_cause_type: str
    point_type: str
    target: float | None
    short_group_warning: bool

    def to_dict(self) -> dict:
        """The point as a dict in the field order of docs/architecture.md; NaN becomes ``None``."""
        return {k: _none_if_nan(v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class SpcGroupSummary:
    """One rebase group: its limits, counts, ``variation_type`` and ``assurance_type``.

    ``variation_type`` is the point type of the group's last point (``summary.ptd_spc_df``);
    ``variation_icon`` the matching icon name (``improvement_high`` …). ``assurance_type`` is given
    for the latest group only, as NHSRplotthedots does (``None`` for earlier groups).
    """

    rebase_group: int
    start: date
    end: date
    n: int
    mean: float | None
    lpl: float | None
    upl: float | None
    common_cause: int
    special_cause_improvement: int
    special_cause_concern: int
    variation_type: str
    variation_icon: str
    assurance_type: str | None
    short_group_warning: bool

    def to_dict(self) -> dict:
        """The summary as a dict; NaN becomes ``None``."""
        return {k: _none_if_nan(v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class SpcResult:
    """Points (in date order) and one summary per rebase group (the last is the current one)."""

    points: list[SpcPoint]
    summary: list[SpcGroupSummary]
    improvement_direction: str
    options: dict = field(default_factory=dict)

    @property
    def variation_type(self) -> str:
        """Variation type of the latest rebase group (its last point's type)."""
        return self.summary[-1].variation_type

    @property
    def variation_icon(self) -> str:
        """Variation icon name of the latest rebase group."""
        return self.summary[-1].variation_icon

    @property
    def assurance_type(self) -> str | None:
        """Assurance type from the latest rebase group's limits, or ``None``."""
        return self.summary[-1].assurance_type

    @property
    def has_short_groups(self) -> bool:
        """True when some group has trial limits (fewer points than the warning threshold)."""
        return any(s.short_group_warning for s in self.summary)

    def to_rows(self) -> list[dict]:
        """One dict per point with exactly the per-point fields of docs/architecture.md."""
        return [p.to_dict() for p in self.points]

    def summary_rows(self) -> list[dict]:
        """One dict per rebase group."""
        return [s.to_dict() for s in self.summary]


def _none_if_nan(value: object) -> object:
    return None if isinstance(value, float) and math.isnan(value) else value


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    raise ValueError(f"expected a date, got {value!r}")


def rebase_groups(dates: Sequence[date], rebase: Iterable[date | str]) -> np.ndarray:
    """Group number (0, 1, …) of each point: each rebase date starts a new group.

    A rebase date starts its group at the first point on or after it (NHSRplotthedots 0.2.2
    ``ptd_add_rebase_column.R`` needs an exact date match; a date between points is accepted
    here). Dates on or before the first point, or after the last, change nothing.
    """
    days = np.array(dates, dtype="datetime64[D]")
    starts = set()
    for r in map(_as_date, rebase):
        index = int(np.searchsorted(days, np.datetime64(r, "D"), side="left"))
        if 0 < index < len(dates):
            starts.add(index)
    flags = np.zeros(len(dates), dtype=int)
    flags[sorted(starts)] = 1
    return np.cumsum(flags)


def _targets(target: float | Sequence[float | None] | None, n: int) -> list[float | None]:
    if target is None or isinstance(target, int | float | np.number):
        return [None if target is None else float(target)] * n
    values = [None if t is None else float(t) for t in target]
    if len(values) != n:
        raise ValueError(f"target has {len(values)} values for {n} points")
    return values


def _validate(improvement_direction: str, shift_length: int, trend_length: int, fix_after: int | None) -> None:
    icons.direction_code(improvement_direction)
    validate_fix_after_n_points(fix_after)
    for name, length in (("shift_length", shift_length), ("trend_length", trend_length)):
        if isinstance(length, bool) or not isinstance(length, int) or length < 2:
            raise ValueError(f"{name} must be a whole number of at least 2, got {length!r}")


def compute_spc(
    dates: Sequence[date | str],
    values: Sequence[float],
    *,
    improvement_direction: str = icons.INCREASE,
    target: float | Sequence[float | None] | None = None,
    rebase: Iterable[date | str] = (),
    screen_outliers: bool = True,
    fix_after_n_points: int | None = None,
    shift_length: int = rules.DEFAULT_SHIFT_LENGTH,
    trend_length: int = rules.DEFAULT_TREND_LENGTH,
    short_group_threshold: int = SHORT_GROUP_WARNING_THRESHOLD,
) -> SpcResult:
    """Making Data Count XmR chart of one series (one value per date, no gaps).

    Method: NHSRplotthedots 0.2.2 ``ptd_spc()`` (docs/statistics.md, XmR charts). Points are put in date order
    and split into rebase groups; each group gets its own limits (:func:`.limits.xmr_limits`,
    moving-range screening on by default as in NHSRplotthedots; ``screen_outliers=False`` gives
    the Making Data Count Excel tool's limits) and the rules never run across groups. Each point
    gets the first rule it meets (outside limits → trend → two of three → shift) and a point
    type from ``improvement_direction`` (``increase``, ``decrease`` or ``neutral``). ``target`` is
    one number, one value per point, or ``None``; assurance uses the last point's target.

    Raises ``ValueError`` for an empty series, lengths that differ, repeated dates, non-finite
    values, an unknown direction, ``fix_after_n_points`` below 12, or run lengths below 2.

    >>> r = compute_spc([f"2024-{m:02d}-01" for m in range(1, 13)], [5, 6] * 5 + [5, 12])
    >>> r.points[-1].special_cause_type, r.variation_icon
    ('Above UCL', 'improvement_high')
    """
    _validate(improvement_direction, shift_length, trend_length, fix_after_n_points)
    ds = [_as_date(d) for d in dates]
    ys = np.asarray(values, dtype=float)
    if len(ds) != ys.size:
        raise ValueError(f"{len(ds)} dates but {ys.size} values")
    if ys.size == 0:
        raise ValueError("cannot chart an empty series")
    if not np.all(np.isfinite(ys)):
        raise ValueError("values must be finite numbers (leave out months without a figure)")
    order = sorted(range(len(ds)), key=ds.__getitem__)
    ds, ys = [ds[i] for i in order], ys[order]
    if any(a == b for a, b in itertools.pairwise(ds)):
        raise ValueError("dates must be unique: one value per period")
    targets = _targets(target, len(ds))
    targets = [targets[i] for i in order]
    groups = rebase_groups(ds, rebase)

    points: list[SpcPoint] = []
    summary: list[SpcGroupSummary] = []
    for g in range(int(groups[-1]) + 1):
        idx = np.flatnonzero(groups == g)
        if idx.size == 0:
            continue
        y = ys[idx]
        lim = xmr_limits(y, screen_outliers=screen_outliers, fix_after_n_points=fix_after_n_points)
        rel = rules.relative_to_mean(y, lim.mean)
        out = rules.outside_limits(y, lim.lpl, lim.upl)
        close = rules.close_to_limits(y, lim.lpl, lim.upl, lim.near_lpl, lim.near_upl)
        labels = icons.special_cause_types(
            out,
            rules.trend(y, trend_length),
            rules.two_of_three_near_limit(close, rel),
            rules.shift(rel, shift_length),
            rel,
            shift_length=shift_length,
            trend_length=trend_length,
        )
        types = [icons.point_type(label, improvement_direction) for label in labels]
        short = idx.size < short_group_threshold
        for k, i in enumerate(idx):
            points.append(
                SpcPoint(
                    period_start=ds[i],
                    value=float(ys[i]),
                    mean=lim.mean,
                    lpl=lim.lpl,
                    upl=lim.upl,
                    rebase_group=g,
                    outside_limits=bool(out[k] != 0),
                    relative_to_mean=int(rel[k]),
                    close_to_limits=int(close[k]),
                    special_cause_type=labels[k],
                    point_type=types[k],
                    target=targets[i],
                    short_group_warning=short,
                )
            )
        summary.append(
            SpcGroupSummary(
                rebase_group=g,
                start=ds[idx[0]],
                end=ds[idx[-1]],
                n=int(idx.size),
                mean=lim.mean,
                lpl=lim.lpl,
                upl=lim.upl,
                common_cause=types.count(icons.COMMON_CAUSE),
                special_cause_improvement=types.count(icons.SPECIAL_CAUSE_IMPROVEMENT),
                special_cause_concern=types.count(icons.SPECIAL_CAUSE_CONCERN),
                variation_type=types[-1],
                variation_icon=icons.variation_icon(types[-1], improvement_direction),
                assurance_type=None,
                short_group_warning=short,
            )
        )
    last = summary[-1]
    assurance = icons.assurance_type(points[-1].target, last.lpl, last.upl, improvement_direction)
    summary[-1] = replace(last, assurance_type=assurance)
    options = {
        "screen_outliers": screen_outliers,
        "fix_after_n_points": fix_after_n_points,
        "shift_length": shift_length,
        "trend_length": trend_length,
        "short_group_threshold": short_group_threshold,
    }
    return SpcResult(points, summary, improvement_direction, options)
