"""One palette for SPC and funnel charts, on the web (Plotly) and in the report (SVG).

SPC colours are the Making Data Count palette as NHSRplotthedots 0.2.2 ``ptd_spc_colours()``
gives it (grey common cause, blue improvement, orange concern, purple neutral, red target); funnel
outliers take the SPC colour of what they signal (low: concern, high: improvement, for standards
where higher is better). Other colours are NHS identity colours (NHS England, "NHS identity
guidelines: colours").
"""

from __future__ import annotations

from cancerwatch.analytics.spc.icons import SPC_COLOURS

NHS_BLUE = "#005EB8"
NHS_DARK_GREY = "#425563"
NHS_MID_GREY = "#768692"
NHS_PALE_GREY = "#E8EDEE"
HIGHLIGHT = "#7C2855"  # NHS dark pink: the organisation the page or report is about

POINT = {
    "common_cause": SPC_COLOURS["common_cause"],
    "special_cause_improvement": SPC_COLOURS["special_cause_improvement"],
    "special_cause_concern": SPC_COLOURS["special_cause_concern"],
    "special_cause_neutral_high": SPC_COLOURS["special_cause_neutral"],
    "special_cause_neutral_low": SPC_COLOURS["special_cause_neutral"],
}
"""Marker colour of each SPC point type."""

SPC_LINES = {
    "value": SPC_COLOURS["value_line"],
    "mean": SPC_COLOURS["mean_line"],
    "limits": NHS_MID_GREY,
    "target": SPC_COLOURS["target"],
}
"""Line colours of an SPC chart (limits darker than NHSRplotthedots' grey, for contrast on white)."""

FUNNEL = {
    "limits_95": NHS_MID_GREY,
    "limits_998": NHS_DARK_GREY,
    "target": "#000000",
    "unit": NHS_MID_GREY,
    "low": SPC_COLOURS["special_cause_concern"],
    "high": SPC_COLOURS["special_cause_improvement"],
    "highlight": HIGHLIGHT,
}
"""Colours of a funnel plot: limits, centre line, organisations, outliers and the highlighted one."""


def point_colour(point_type: str | None) -> str:
    """Marker colour of an SPC point type (common cause when unknown)."""
    return POINT.get(point_type or "", POINT["common_cause"])


def outlier_colour(outlier: str | None) -> str:
    """Marker colour of a funnel unit by its 99.8% outlier flag."""
    return FUNNEL.get(outlier or "", FUNNEL["unit"]) if outlier in ("low", "high") else FUNNEL["unit"]
