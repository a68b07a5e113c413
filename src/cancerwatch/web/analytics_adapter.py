"""The one place the web layer and the API touch ``cancerwatch.analytics.spc`` and ``.funnel``.

Those modules are optional at import time: each is imported lazily, and when one is missing
(or fails on the data it is given) the caller gets ``available=False`` with a note, so a page
shows its table without SPC icons or without the funnel plot instead of failing.

Contract used (design.md, ``cancerwatch spc`` and ``cancerwatch funnel``):

- ``compute_spc(dates, values, *, improvement_direction, target, rebase)`` returns an object
  with ``to_rows()`` (per-point dicts: ``period_start``, ``value``, ``mean``, ``lpl``, ``upl``,
  ``point_type`` …) and ``summary`` (``variation_type`` and ``assurance_type``, one per rebase
  group: the last group is the current one);
- ``compute_funnel(units, *, target, overdispersion)`` returns per-organisation rows with
  ``org_code``, ``numerator``, ``denominator``, ``performance``, ``lower95``, ``upper95``,
  ``lower998``, ``upper998`` and ``outlier`` (``high``, ``low`` or empty); when the result also
  has ``curves()`` (limits on a grid of denominators), the funnel is drawn from those.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from cancerwatch.catalogue.standards import get_standard

log = logging.getLogger(__name__)

VARIATION_TYPES = (
    "common_cause",
    "special_cause_improvement",
    "special_cause_concern",
    "special_cause_neutral_high",
    "special_cause_neutral_low",
)
ASSURANCE_TYPES = ("consistent_pass", "consistent_fail", "inconsistent")
POINT_FIELDS = ("period_start", "value", "mean", "lpl", "upl", "point_type", "target")
FUNNEL_FIELDS = ("lower95", "upper95", "lower998", "upper998", "outlier")


@dataclass
class SpcView:
    """SPC points and icons for one series, or why there are none."""

    available: bool
    points: list[dict] = field(default_factory=list)
    variation_type: str | None = None
    assurance_type: str | None = None
    note: str | None = None
    trial_limits: bool = False  # some rebase group has too few points for settled limits


@dataclass
class FunnelView:
    """Funnel rows (one per organisation), or why there are none."""

    available: bool
    rows: list[dict] = field(default_factory=list)
    target: float | None = None
    note: str | None = None
    curves: list[dict] = field(default_factory=list)


def _module(name: str):
    try:
        return importlib.import_module(f"cancerwatch.analytics.{name}")
    except ImportError as exc:
        if exc.name and not exc.name.startswith("cancerwatch.analytics"):
            log.warning("cancerwatch.analytics.%s cannot be imported: %s", name, exc)
        return None


def spc_installed() -> bool:
    """True when ``cancerwatch.analytics.spc`` provides ``compute_spc``."""
    mod = _module("spc")
    return mod is not None and hasattr(mod, "compute_spc")


def funnel_installed() -> bool:
    """True when ``cancerwatch.analytics.funnel`` provides ``compute_funnel``."""
    mod = _module("funnel")
    return mod is not None and hasattr(mod, "compute_funnel")


def _get(obj: object, name: str) -> object:
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def _current_summary(summary: object) -> object:
    """The summary of the last rebase group, whatever container the module uses."""
    if isinstance(summary, dict) and "variation_type" not in summary and summary:
        summary = list(summary.values())
    if isinstance(summary, list | tuple):
        return summary[-1] if summary else None
    if hasattr(summary, "to_dict") and not hasattr(summary, "variation_type"):
        return _current_summary(summary.to_dict("records"))
    return summary


def _iso(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def spc_for_series(rows: Sequence[dict], *, standard: str) -> SpcView:
    """SPC of the monthly ``performance`` of ``rows`` (metric rows of one organisation).

    Months with no performance (no patients, or suppressed) are left out. The target is the
    operational threshold in force in the latest month.
    """
    mod = _module("spc")
    if mod is None or not hasattr(mod, "compute_spc"):
        return SpcView(False, note="SPC analysis is not available in this installation.")
    series = [r for r in rows if r.get("performance") is not None]
    if not series:
        return SpcView(False, note="No months with figures to analyse.")
    dates = [date.fromisoformat(r["period_start"]) for r in series]
    values = [float(r["performance"]) for r in series]
    try:
        result = mod.compute_spc(
            dates,
            values,
            improvement_direction=get_standard(standard).improvement_direction,
            target=series[-1].get("threshold"),
            rebase=[],
        )
        points = [{k: _iso(v) for k, v in p.items()} for p in result.to_rows()]
        summary = _current_summary(result.summary)
    except Exception as exc:  # the analytics module's own validation (too few points, …)
        log.warning("SPC not computed for %s: %s", standard, exc)
        return SpcView(False, note=f"SPC not computed: {exc}")
    variation = _get(summary, "variation_type")
    assurance = _get(summary, "assurance_type")
    return SpcView(
        True,
        points,
        str(variation) if variation else None,
        str(assurance) if assurance else None,
        trial_limits=any(p.get("short_group_warning") for p in points),
    )


def funnel_for_units(rows: Sequence[dict], *, target: float | None, overdispersion: bool = False) -> FunnelView:
    """Funnel limits for one period of metric rows (one row per organisation).

    Organisations without a performance (no patients, or suppressed) are left out: a
    suppressed unit is hidden rather than plotted at zero (domain brief 8).
    """
    mod = _module("funnel")
    if mod is None or not hasattr(mod, "compute_funnel"):
        return FunnelView(False, note="Funnel plots are not available in this installation.")
    units = [
        {
            "org_code": r["org_code"],
            "org_name": r["org_name"],
            "numerator": float(r["within_standard"]),
            "denominator": float(r["total"]),
        }
        for r in rows
        if r.get("performance") is not None and r.get("total") and r.get("org_code") != "UNMAPPED"
    ]
    if not units:
        return FunnelView(False, note="No organisations with figures for this period.")
    try:
        result = mod.compute_funnel(units, target=target, overdispersion=overdispersion)
        out_rows = result.to_rows() if hasattr(result, "to_rows") else _get(result, "rows") or result
        if hasattr(out_rows, "to_dict"):
            out_rows = out_rows.to_dict("records")
        out = [dict(r) for r in out_rows]
    except Exception as exc:
        log.warning("funnel not computed: %s", exc)
        return FunnelView(False, note=f"Funnel limits not computed: {exc}")
    names = {u["org_code"]: u["org_name"] for u in units}
    for r in out:
        r.setdefault("org_name", names.get(r.get("org_code"), r.get("org_code")))
        if r.get("outlier") is None:
            r["outlier"] = ""
    used_target = _get(result, "target")
    curves: list[dict] = []
    if hasattr(result, "curves"):  # limit curves on a grid of denominators, for drawing
        try:
            curves = [dict(c) for c in result.curves().to_rows()]
        except Exception as exc:
            log.warning("funnel curves not computed: %s", exc)
    used = float(used_target) if isinstance(used_target, int | float) else target
    return FunnelView(True, out, used, curves=curves)
