"""Plotly figure of a plan: observed and forecast referrals with the interval, and modelled FDS against the target."""

from __future__ import annotations

from typing import TYPE_CHECKING

import plotly.graph_objects as go  # type: ignore[import-untyped]
from plotly.subplots import make_subplots  # type: ignore[import-untyped]

if TYPE_CHECKING:
    from cancerwatch.planning.capacity_plan import Plan

NHS_BLUE = "#005EB8"


def plan_figure(plan: Plan) -> go.Figure:
    """Two panels: referrals seen and their forecast (95% interval); modelled FDS against the target."""
    months = [r["month"] for r in plan.forecast_rows]
    observed = plan.demand["observed"]
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        subplot_titles=("Urgent referrals seen (observed; forecast with 95% interval)", "Modelled 28-day FDS"),
    )
    fig.add_trace(
        go.Scatter(
            x=months,
            y=[r["referrals_upper"] for r in plan.forecast_rows],
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
            y=[r["referrals_lower"] for r in plan.forecast_rows],
            line={"width": 0},
            fill="tonexty",
            fillcolor="rgba(0,94,184,0.15)",
            name="95% interval",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(x=months, y=[r["referrals"] for r in plan.forecast_rows], name="forecast", line={"color": NHS_BLUE}),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=[o["month"] for o in observed],
            y=[o["referrals"] for o in observed],
            name="observed",
            line={"color": "#425563"},
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=[r["month"] for r in plan.fds_model["modelled"]],
            y=[r["observed_fds"] for r in plan.fds_model["modelled"]],
            name="observed FDS",
            line={"color": "#425563"},
        ),
        row=2,
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
            x=[plan.fds_model["modelled"][0]["month"], months[-1]],
            y=[plan.target] * 2,
            name=f"target {plan.target:.0%}",
            line={"color": "#DA291C", "dash": "dash"},
        ),
        row=2,
        col=1,
    )
    fig.update_yaxes(tickformat=".0%", row=2, col=1)
    fig.update_layout(title=f"{plan.alliance_name}: {plan.scenario.name}", template="simple_white", height=650)
    return fig
