"""Making Data Count statistical process control: XmR limits, run rules, icons, p′-charts.

Follows NHSRplotthedots 0.2.2 (NHS-R Community) unless a docstring says otherwise;
docs/statistics.md, XmR charts and p-charts. Pure functions on small in-memory series; no I/O.
"""

from cancerwatch.analytics.spc.chart import (
    SpcGroupSummary,
    SpcPoint,
    SpcResult,
    compute_spc,
)
from cancerwatch.analytics.spc.pcharts import PChart, laney_p_chart, p_chart

__all__ = [
    "PChart",
    "SpcGroupSummary",
    "SpcPoint",
    "SpcResult",
    "compute_spc",
    "laney_p_chart",
    "p_chart",
]
