"""Plotly figures of an SPC chart and a funnel plot, drawn from the calculated results only.

Calculation and drawing never mix (NHSRplotthedots 0.2.2 keeps ``ptd_create_plotly.R`` apart from
the calculation); colours are the Making Data Count palette of ``ptd_spc_colours()``. Builds figure
objects only: no rendering, no network, no image export.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from cancerwatch.analytics.funnel.chart import FunnelCurves
from cancerwatch.analytics.spc.chart import SpcResult
from cancerwatch.analytics.spc.icons import SPC_COLOURS, point_colour

FUNNEL_COLOURS = {
    "point": "#005eb8",  # NHS blue
    "outlier_high": "#00b0f0",
    "outlier_low": "#e46c0a",
    "target": "#000000",
    "limit95": "#768692",  # NHS mid grey
    "limit998": "#425563",  # NHS dark grey
}
"""Funnel plot colours (NHS identity palette; outliers in the Making Data Count improvement and
concern colours, high and low, whatever the direction of the measure)."""


def _segments(result: SpcResult, field: str) -> tuple[list, list]:
    """x and y of a per-group constant line, broken (``None``) between rebase groups."""
    xs: list = []
    ys: list = []
    previous = None
    for p in result.points:
        if previous is not None and p.rebase_group != previous:
            xs.append(None)
            ys.append(None)
        previous = p.rebase_group
        xs.append(p.period_start)
        ys.append(getattr(p, field))
    return xs, ys


def spc_figure(result: SpcResult, title: str = "", *, colours: Mapping[str, str] | None = None) -> go.Figure:
    """An XmR chart: the values, the mean, dashed process limits, the target, and each point
    coloured by its point type (improvement blue, concern orange, neutral purple, common cause grey).

    Lines break at each rebase. The figure's ``meta`` carries the variation and assurance types.
    """
    palette = {**SPC_COLOURS, **(colours or {})}
    dates = [p.period_start for p in result.points]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=dates,
            y=[p.value for p in result.points],
            mode="lines+markers",
            name="Value",
            line={"color": palette["value_line"], "width": 1.5},
            marker={"color": [point_colour(p.point_type, palette) for p in result.points], "size": 8},
            customdata=[[p.point_type, p.special_cause_type] for p in result.points],
            hovertemplate="%{x}<br>%{y}<br>%{customdata[1]}<extra></extra>",
        )
    )
    for field, name, colour, dash in (
        ("mean", "Mean", palette["mean_line"], "solid"),
        ("upl", "Upper process limit", palette["upl"], "dash"),
        ("lpl", "Lower process limit", palette["lpl"], "dash"),
    ):
        xs, ys = _segments(result, field)
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=name, line={"color": colour, "dash": dash}))
    if any(p.target is not None for p in result.points):
        fig.add_trace(
            go.Scatter(
                x=dates,
                y=[p.target for p in result.points],
                mode="lines",
                name="Target",
                line={"color": palette["target"], "dash": "dot"},
            )
        )
    fig.update_layout(
        title={"text": title},
        template="plotly_white",
        hovermode="x unified",
        legend={"orientation": "h"},
        meta={"variation_type": result.variation_type, "assurance_type": result.assurance_type},
    )
    return fig


def _curve(curves: FunnelCurves | Mapping[str, Sequence[float]], key: str) -> list:
    return list(curves[key]) if isinstance(curves, Mapping) else list(getattr(curves, key))


def funnel_figure(
    rows: Sequence[Mapping], curves: FunnelCurves | Mapping[str, Sequence[float]], title: str = ""
) -> go.Figure:
    """A funnel plot: performance against denominator, the target line, 95% (dashed) and 99.8%
    (solid) limit curves, and outliers coloured and labelled with their organisation code.

    ``rows`` are :meth:`FunnelResult.to_rows` dicts; rows without a performance are left out.
    ``curves`` is a :class:`FunnelCurves` or a mapping with the same keys.
    """
    plotted = [r for r in rows if r.get("performance") is not None]
    fig = go.Figure()
    grid = _curve(curves, "denominator")
    for key, name, colour, dash in (
        ("upper998", "99.8% limits", FUNNEL_COLOURS["limit998"], "solid"),
        ("lower998", "99.8% limits", FUNNEL_COLOURS["limit998"], "solid"),
        ("upper95", "95% limits", FUNNEL_COLOURS["limit95"], "dash"),
        ("lower95", "95% limits", FUNNEL_COLOURS["limit95"], "dash"),
    ):
        fig.add_trace(
            go.Scatter(
                x=grid,
                y=_curve(curves, key),
                mode="lines",
                name=name,
                legendgroup=name,
                showlegend=key.startswith("upper"),
                line={"color": colour, "dash": dash, "width": 1},
                hoverinfo="skip",
            )
        )
    target = curves["target"] if isinstance(curves, Mapping) else curves.target
    if grid:
        fig.add_trace(
            go.Scatter(
                x=[grid[0], grid[-1]],
                y=[target, target],
                mode="lines",
                name="Target",
                line={"color": FUNNEL_COLOURS["target"], "width": 1},
            )
        )
    for kind, name, colour, labelled in (
        ("", "Organisation", FUNNEL_COLOURS["point"], False),
        ("high", "High outlier (99.8%)", FUNNEL_COLOURS["outlier_high"], True),
        ("low", "Low outlier (99.8%)", FUNNEL_COLOURS["outlier_low"], True),
    ):
        group = [r for r in plotted if (r.get("outlier") or "") == kind]
        if not group:
            continue
        fig.add_trace(
            go.Scatter(
                x=[r["denominator"] for r in group],
                y=[r["performance"] for r in group],
                mode="markers+text" if labelled else "markers",
                name=name,
                text=[r["org_code"] for r in group] if labelled else None,
                textposition="top center",
                marker={"color": colour, "size": 8},
                customdata=[[r["org_code"], r.get("org_name") or r["org_code"]] for r in group],
                hovertemplate="%{customdata[1]} (%{customdata[0]})<br>n = %{x}<br>%{y:.1%}<extra></extra>",
            )
        )
    fig.update_layout(
        title={"text": title},
        template="plotly_white",
        xaxis={"title": {"text": "Denominator (patients)"}},
        yaxis={"title": {"text": "Performance"}, "tickformat": ".0%"},
        legend={"orientation": "h"},
    )
    return fig
