"""The one place the annual report touches ``cancerwatch.analytics.spc`` and ``.funnel``.

Both are imported lazily. When one is missing, or fails on the data it is given, the report gets
a view with ``available=False`` and a note to print ("SPC not available: …") instead of failing.

Contract used (design.md, ``cancerwatch spc`` and ``cancerwatch funnel``):

- ``compute_spc(dates, values, *, improvement_direction, target, rebase)`` → an object with
  ``to_rows()`` (per point: ``period_start``, ``value``, ``mean``, ``lpl``, ``upl``,
  ``point_type`` …) and ``summary`` (one entry per rebase group, the last is the current one, with
  ``variation_type`` and ``assurance_type``);
- ``compute_funnel(units, *, target, overdispersion)`` → rows per organisation with
  ``lower95``, ``upper95``, ``lower998``, ``upper998`` and ``outlier``; optionally
  ``.curves()`` with the limit curves for drawing, and ``phi``, ``tau2``, ``adjusted``.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

log = logging.getLogger(__name__)

CWT_STANDARDS_CHANGE = date(2023, 10, 1)
"""1 October 2023: the 31-day and 62-day combined standards replace the legacy measures; the
report rebases their SPC charts there (domain brief 6.1: a known, sustained change)."""
REBASED_STANDARDS = ("31d", "62d")

VARIATION_TEXT = {
    "common_cause": "Common-cause variation: no significant change",
    "special_cause_improvement": "Special-cause variation: improvement",
    "special_cause_concern": "Special-cause variation: concern",
    "special_cause_neutral_high": "Special-cause variation: unusually high (no judgement)",
    "special_cause_neutral_low": "Special-cause variation: unusually low (no judgement)",
}
ASSURANCE_TEXT = {
    "consistent_pass": "Consistently passes the threshold",
    "consistent_fail": "Consistently fails the threshold",
    "inconsistent": "Hits and misses the threshold: passing is not assured",
    None: "No assurance (no threshold, or a neutral measure)",
}


@dataclass
class SpcView:
    """SPC points and icons for one monthly series, or the reason there are none."""

    available: bool
    points: list[dict] = field(default_factory=list)
    variation_type: str | None = None
    assurance_type: str | None = None
    rebased_at: list[date] = field(default_factory=list)
    short_group: bool = False
    note: str | None = None

    @property
    def variation_text(self) -> str:
        """Plain-English meaning of the variation icon."""
        return VARIATION_TEXT.get(self.variation_type or "", "—")

    @property
    def assurance_text(self) -> str:
        """Plain-English meaning of the assurance icon."""
        return ASSURANCE_TEXT.get(self.assurance_type, "—")


@dataclass
class FunnelView:
    """Funnel rows (one per organisation) and limit curves, or the reason there are none."""

    available: bool
    rows: list[dict] = field(default_factory=list)
    curves: dict[str, list[float]] = field(default_factory=dict)
    target: float | None = None
    phi: float | None = None
    tau2: float | None = None
    adjusted: bool = False
    note: str | None = None


def _module(name: str):
    """``cancerwatch.analytics.<name>`` or ``None`` when it is not installed."""
    try:
        return importlib.import_module(f"cancerwatch.analytics.{name}")
    except ImportError as exc:
        if exc.name and not exc.name.startswith("cancerwatch.analytics"):
            log.warning("cancerwatch.analytics.%s cannot be imported: %s", name, exc)
        return None


def _function(package: str, name: str):
    """``name`` from the analytics package, or from its ``chart`` module, or ``None``."""
    for module in (package, f"{package}.chart"):
        mod = _module(module)
        if mod is not None and hasattr(mod, name):
            return getattr(mod, name)
    return None


def _get(obj: object, key: str, default: object = None) -> object:
    return obj.get(key, default) if isinstance(obj, dict) else getattr(obj, key, default)


def spc_view(
    dates: Sequence[date],
    values: Sequence[float],
    *,
    standard: str,
    improvement_direction: str,
    targets: Sequence[float | None],
) -> SpcView:
    """Making Data Count XmR chart of a monthly series (NHSRplotthedots defaults).

    The 31-day and 62-day series are rebased at October 2023 when it falls inside the series.
    """
    compute_spc = _function("spc", "compute_spc")
    if compute_spc is None:
        return SpcView(False, note="SPC not available: the analytics module is not installed.")
    if len(values) < 2:
        return SpcView(False, note="SPC not available: fewer than two months of data.")
    rebase = (
        [CWT_STANDARDS_CHANGE] if standard in REBASED_STANDARDS and dates[0] < CWT_STANDARDS_CHANGE <= dates[-1] else []
    )
    try:
        result = compute_spc(
            list(dates),
            list(values),
            improvement_direction=improvement_direction,
            target=list(targets) if any(t is not None for t in targets) else None,
            rebase=rebase,
        )
        rows = result.to_rows()
    except Exception as exc:  # the analytics layer is another team's: never fail the report
        log.warning("SPC failed for %s: %s", standard, exc)
        return SpcView(False, note=f"SPC not available: {exc}")
    summary = result.summary
    last = summary[-1] if isinstance(summary, list | tuple) else summary
    points = [
        {
            "period_start": _as_date(_get(r, "period_start")),
            "value": _get(r, "value"),
            "mean": _get(r, "mean"),
            "lpl": _get(r, "lpl"),
            "upl": _get(r, "upl"),
            "point_type": _get(r, "point_type") or "common_cause",
            "target": _get(r, "target"),
            "rebase_group": _get(r, "rebase_group", 0),
        }
        for r in rows
    ]
    return SpcView(
        True,
        points=points,
        variation_type=_get(last, "variation_type"),
        assurance_type=_get(last, "assurance_type"),
        rebased_at=rebase,
        short_group=bool(_get(last, "short_group_warning", len(points) < 13)),
    )


def _as_date(value: object) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def funnel_view(units: Sequence[tuple[str, str, float, float]], *, target: float | None) -> FunnelView:
    """Funnel of organisations ``(code, name, within, total)`` against ``target`` (FunnelPlotR
    proportions: arcsine limits at 95% and 99.8%, overdispersion-adjusted when φ > 1)."""
    compute_funnel = _function("funnel", "compute_funnel")
    if compute_funnel is None:
        return FunnelView(False, note="Funnel plot not available: the analytics module is not installed.")
    if len(units) < 3:
        return FunnelView(False, note="Funnel plot not available: fewer than three organisations to compare.")
    try:
        result = compute_funnel(list(units), target=target, overdispersion=True)
        rows = result.to_rows() if hasattr(result, "to_rows") else [dict(r) for r in result]
        curves = None
        if hasattr(result, "curves"):
            top = max((float(u[3]) for u in units), default=0.0) * 1.3  # to the chart's right edge
            try:
                curves = result.curves(max_denominator=top)
            except TypeError:
                curves = result.curves()
    except Exception as exc:  # never fail the report on another team's module
        log.warning("funnel failed: %s", exc)
        return FunnelView(False, note=f"Funnel plot not available: {exc}")
    if curves is not None:
        keys = ("denominator", "lower95", "upper95", "lower998", "upper998")
        drawn = {k: list(_get(curves, k, [])) for k in keys}
    else:  # draw the limits through the organisations' own denominators
        ordered = sorted(rows, key=lambda r: r["denominator"])
        drawn = {k: [r[k] for r in ordered] for k in ("denominator", "lower95", "upper95", "lower998", "upper998")}
    return FunnelView(
        True,
        rows=rows,
        curves=drawn,
        target=float(_get(result, "target", target) or 0.0),
        phi=_get(result, "phi"),
        tau2=_get(result, "tau2"),
        adjusted=bool(_get(result, "adjusted", False)),
    )


def spc_available() -> bool:
    """True when ``compute_spc`` can be imported."""
    return _function("spc", "compute_spc") is not None


def funnel_available() -> bool:
    """True when ``compute_funnel`` can be imported."""
    return _function("funnel", "compute_funnel") is not None
