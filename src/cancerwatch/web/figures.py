"""Plotly figure specifications (plain JSON for plotly.js) for the dashboard pages.

Each function returns ``{"data": [...], "layout": {...}}``; pages embed it as JSON next to a
table of the same numbers, and ``static/cancerwatch.js`` draws it. Colours come from the one
palette of SPC and funnel charts (:mod:`cancerwatch.read.palette`), shared with the report.
"""

from __future__ import annotations

from collections.abc import Sequence

from cancerwatch.read import palette
from cancerwatch.variation import FunnelView, SpcView

NHS_BLUE = palette.NHS_BLUE
NHS_DARK_GREY = palette.NHS_DARK_GREY
NHS_GREY = palette.NHS_MID_GREY
TARGET_RED = palette.SPC_LINES["target"]
HIGHLIGHT = palette.HIGHLIGHT
FONT = {"family": "Frutiger W01, Arial, sans-serif", "size": 14, "color": "#212b32"}


def _pct(v: float | None) -> float | None:
    return None if v is None else round(v * 100, 3)


def _with_breaks(x: list[str], *columns: list) -> tuple[list, ...]:
    """``x`` (ISO months, in order) and its columns with an empty point after each gap of months,
    so plotly.js breaks the line there instead of joining months that are not consecutive."""
    out_x: list = []
    outs: list[list] = [[] for _ in columns]
    for i, month in enumerate(x):
        if i and not _next_month(x[i - 1], month):
            out_x.append(None)
            for out in outs:
                out.append(None)
        out_x.append(month)
        for out, col in zip(outs, columns, strict=True):
            out.append(col[i])
    return (out_x, *outs)


def _next_month(a: str, b: str) -> bool:
    ya, ma = int(a[:4]), int(a[5:7])
    return (ya * 12 + ma + 1) == int(b[:4]) * 12 + int(b[5:7])


def _layout(**extra) -> dict:
    base = {
        "font": FONT,
        "margin": {"l": 56, "r": 16, "t": 16, "b": 48},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "#ffffff",
        "yaxis": {"ticksuffix": "%", "gridcolor": "#e8edee", "zeroline": False},
        "xaxis": {"gridcolor": "#e8edee"},
        "legend": {"orientation": "h", "y": -0.2},
        "hovermode": "closest",
    }
    base.update(extra)
    return base


def trend_figure(rows: Sequence[dict], spc: SpcView, *, name: str, england: Sequence[dict] = ()) -> dict:
    """Monthly performance with SPC mean and process limits (when available) and the threshold."""
    x = [r["period_start"] for r in rows]
    data: list[dict] = []
    if spc.available and spc.points:
        px = [p["period_start"] for p in spc.points]
        for key, label, dash in (
            ("upl", "Upper process limit", "dash"),
            ("mean", "Mean", "solid"),
            ("lpl", "Lower process limit", "dash"),
        ):
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "name": label,
                    "x": px,
                    "y": [_pct(p.get(key)) for p in spc.points],
                    "hoverinfo": "skip",
                    "line": {
                        "color": palette.SPC_LINES["mean"] if key == "mean" else palette.SPC_LINES["limits"],
                        "dash": dash,
                        "width": 1.5,
                    },
                }
            )
    colours = [NHS_BLUE] * len(rows)
    if spc.available and spc.points:
        types = {p["period_start"]: p.get("point_type") for p in spc.points}
        colours = [palette.point_colour(types.get(r["period_start"])) for r in rows]
    line_x, line_y, line_colours = _with_breaks(x, [_pct(r.get("performance")) for r in rows], colours)
    data.append(
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": name,
            "x": line_x,
            "y": line_y,
            "line": {"color": NHS_BLUE, "width": 2},
            "marker": {"color": [c or NHS_BLUE for c in line_colours], "size": 8},
            "hovertemplate": "%{x|%B %Y}: %{y:.1f}%<extra>" + name + "</extra>",
        }
    )
    if england:
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "England",
                "x": [r["period_start"] for r in england],
                "y": [_pct(r.get("performance")) for r in england],
                "line": {"color": NHS_DARK_GREY, "width": 1.5, "dash": "dot"},
                "hovertemplate": "%{x|%B %Y}: %{y:.1f}%<extra>England</extra>",
            }
        )
    data.append(
        {
            "type": "scatter",
            "mode": "lines",
            "name": "Operational standard",
            "x": x,
            "y": [_pct(r.get("threshold")) for r in rows],
            "line": {"color": TARGET_RED, "width": 1.5, "shape": "hv"},
            "hovertemplate": "Standard: %{y:.0f}%<extra></extra>",
        }
    )
    return {"data": data, "layout": _layout(height=360)}


def sparkline_figure(rows: Sequence[dict]) -> dict:
    """A small trend line for a tile (no axes, no legend, no mode bar)."""
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "x": [r["period_start"] for r in rows],
                "y": [_pct(r.get("performance")) for r in rows],
                "line": {"color": NHS_BLUE, "width": 2},
                "hovertemplate": "%{x|%b %Y}: %{y:.1f}%<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "lines",
                "x": [r["period_start"] for r in rows],
                "y": [_pct(r.get("threshold")) for r in rows],
                "line": {"color": TARGET_RED, "width": 1, "dash": "dot"},
                "hoverinfo": "skip",
            },
        ],
        "layout": _layout(
            height=90,
            showlegend=False,
            margin={"l": 4, "r": 4, "t": 4, "b": 4},
            xaxis={"visible": False},
            yaxis={"visible": False},
            plot_bgcolor="rgba(0,0,0,0)",
        ),
        "config": {"displayModeBar": False, "staticPlot": False},
    }


def funnel_figure(view: FunnelView, *, highlight: str | None, level_name: str) -> dict:
    """Performance against number of patients, with 95% and 99.8% limits around the target."""
    rows = sorted(view.rows, key=lambda r: r.get("denominator") or 0)
    limits = rows
    if view.curves and rows:  # smooth curves from the analytics module, over the units' range
        smallest = min(r.get("denominator") or 0 for r in rows) * 0.8
        limits = [c for c in view.curves if (c.get("denominator") or 0) >= smallest] or view.curves
    data: list[dict] = []
    for key, label, dash in (
        ("upper998", "99.8% limits", "dash"),
        ("lower998", None, "dash"),
        ("upper95", "95% limits", "dot"),
        ("lower95", None, "dot"),
    ):
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": label or "",
                "showlegend": label is not None,
                "x": [r.get("denominator") for r in limits],
                "y": [_pct(r.get(key)) for r in limits],
                "hoverinfo": "skip",
                "line": {
                    "color": palette.FUNNEL["limits_998" if key.endswith("998") else "limits_95"],
                    "dash": dash,
                    "width": 1.5,
                },
            }
        )
    span = [limits[0].get("denominator"), limits[-1].get("denominator")] if limits else []
    if view.target is not None and span:
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "England" if view.target_kind == "england" else "Operational standard",
                "x": span,
                "y": [_pct(view.target)] * 2,
                "line": {"color": palette.FUNNEL["target"], "width": 1.5},
                "hoverinfo": "skip",
            }
        )
    others = [r for r in rows if r.get("org_code") != highlight]
    mine = [r for r in rows if r.get("org_code") == highlight]
    for group, label, size in ((others, level_name, 9), (mine, None, 15)):
        if not group:
            continue
        colour = [palette.outlier_colour(r.get("outlier")) for r in group] if label else palette.FUNNEL["highlight"]
        data.append(
            {
                "type": "scatter",
                "mode": "markers" if label else "markers+text",
                "name": label or group[0]["org_name"],
                "x": [r.get("denominator") for r in group],
                "y": [_pct(r.get("performance")) for r in group],
                "text": [r.get("org_name") for r in group],
                "textposition": "top center",
                "marker": {"color": colour, "size": size, "line": {"color": "#fff", "width": 1}},
                "hovertemplate": "%{text}<br>%{x:,.0f} patients: %{y:.1f}%<extra></extra>",
            }
        )
    return {
        "data": data,
        "layout": _layout(
            height=440,
            margin={"l": 56, "r": 16, "t": 32, "b": 96},
            legend={"orientation": "h", "y": -0.3},
            xaxis={"title": {"text": "Patients (denominator)"}, "gridcolor": "#e8edee"},
        ),
    }


MAP_COLOURS = ("#b2182b", "#ef8a62", "#f7f7f7", "#67a9cf", "#2166ac")
"""ColorBrewer RdBu (colour-blind safe): red below the standard, blue above."""


def map_colourscale(low: float, mid: float | None, high: float) -> list[list]:
    """A diverging scale on ``low``..``high`` that turns from red to blue at ``mid`` (sequential without one)."""
    if mid is None or not low < mid < high:
        return [[0, MAP_COLOURS[2]], [1, MAP_COLOURS[4]]]
    at = (mid - low) / (high - low)
    return [
        [0, MAP_COLOURS[0]],
        [at / 2, MAP_COLOURS[1]],
        [at, MAP_COLOURS[2]],
        [(1 + at) / 2, MAP_COLOURS[3]],
        [1, MAP_COLOURS[4]],
    ]


def map_figure(
    locations: list[str],
    values: list[float | None],
    names: list[str],
    *,
    scale: tuple[float, float | None, float],
    geojson_url: str,
) -> dict:
    """Choropleth of performance on a colour scale fixed per standard, so months compare by eye.

    ``scale`` is (lowest, turning point, highest) as proportions; plotly.js loads the boundaries
    from ``geojson_url``. On narrow screens the colour bar goes below the map (``narrow``).
    """
    low, mid, high = scale
    ticks = [v for v in (low, mid, high) if v is not None]
    trace = {
        "type": "choropleth",
        "geojson": None,
        "featureidkey": "properties.ods_code",
        "locations": locations,
        "z": [_pct(v) for v in values],
        "text": names,
        "colorscale": map_colourscale(low, mid, high),
        "zmin": _pct(low),
        "zmax": _pct(high),
        "zauto": False,
        "colorbar": {
            "title": {"text": "Performance"},
            "ticksuffix": "%",
            "tickvals": [_pct(v) for v in ticks],
        },
        "marker": {"line": {"color": "#ffffff", "width": 0.5}},
        "hovertemplate": "%{text}: %{z:.1f}%<extra></extra>",
    }
    layout = _layout(
        height=640,
        geo={"fitbounds": "locations", "visible": False, "projection": {"type": "mercator"}},
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
    )
    narrow = {
        "layout": {"height": 480, "margin": {"l": 0, "r": 0, "t": 0, "b": 70}},
        "trace": {
            "colorbar": {
                "orientation": "h",
                "x": 0.5,
                "xanchor": "center",
                "y": 0,
                "yanchor": "top",
                "thickness": 14,
                "len": 0.9,
                "title": {"side": "top"},
            }
        },
    }
    config = {"topojsonURL": "/assets/topojson/", "scrollZoom": False}
    return {"data": [trace], "layout": layout, "geojsonUrl": geojson_url, "config": config, "narrow": narrow}
