"""Funnel plots for comparing organisations: control limits, overdispersion, per-unit rows.

Replicates FunnelPlotR 0.6.0 (NHS-R Community) for proportions by default; Spiegelhalter's normal
and exact binomial limits on request (docs/methods.md, "Funnel plots"). Pure functions; no I/O.
"""

from cancerwatch.analytics.funnel.chart import FunnelCurves, FunnelResult, FunnelRow, compute_funnel, funnel_curves
from cancerwatch.analytics.funnel.limits import Z95, Z998, proportion_limits

__all__ = [
    "Z95",
    "Z998",
    "FunnelCurves",
    "FunnelResult",
    "FunnelRow",
    "compute_funnel",
    "funnel_curves",
    "proportion_limits",
]
