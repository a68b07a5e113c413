"""Plotly figure of a plan: Alliance demand forecast with its interval, and modelled FDS against the ambition."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

NHS_BLUE = "#005EB8"


def plan_figure(plan) -> go.Figure:
    """Two panels: demand forecast (with 95% interval) and modelled FDS share against the target."""
    months = [r["month"] for r in plan.forecast_rows]
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        subplot_titles=("Urgent referrals (forecast, 95% interval)", "Modelled 28-day FDS"),
    )
    fig.add_trace(
        go.Scatter(
            x=months,
            y=[r["alliance_upper"] for r in plan.forecast_rows],
            line={"width": 0},
            showlegend=False,
            hoverinfo="skip",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=months,
            y=[r["alliance_lower"] for r in plan.forecast_rows],
            line={"width": 0},
            fill="tonexty",
            fillcolor="rgba(0,94,184,0.15)",
            name="95% interval",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=months, y=[r["alliance_demand"] for r in plan.forecast_rows], name="forecast", line={"color": NHS_BLUE}
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=months, y=[r["modelled_fds"] for r in plan.forecast_rows], name="modelled FDS", line={"color": NHS_BLUE}
        ),
        row=2,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=months,
            y=[plan.target] * len(months),
            name=f"target {plan.target:.0%}",
            line={"color": "#DA291C", "dash": "dash"},
        ),
        row=2,
        col=1,
    )
    fig.update_yaxes(tickformat=".0%", row=2, col=1)
    fig.update_layout(title=f"{plan.alliance_name}: {plan.scenario.name}", template="simple_white", height=650)
    return fig
