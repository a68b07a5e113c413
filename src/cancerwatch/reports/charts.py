"""Static SVG charts for the annual report (matplotlib, no browser needed).

- :func:`spc_chart`: Making Data Count XmR chart: monthly values, mean, process limits, the
  threshold in force, and special-cause points coloured with the MDC palette (blue improvement,
  orange concern, purple neutral, grey common cause). Without SPC results it draws a plain run
  chart of the values against the threshold.
- :func:`funnel_chart`: performance against number of patients for every peer, with 95% and
  99.8% limits around the target, outliers coloured, and this organisation highlighted.

Colours come from the one palette of SPC and funnel charts (:mod:`cancerwatch.read.palette`),
shared with the web's Plotly figures.

Each function returns a :class:`Chart`: an ``<svg>`` element (no XML prologue) ready to embed in
the HTML, named by its ``<title>`` (``role="img"``), or the same SVG as an ``<img>`` with that
title as its alternative text (the PDF's form: WeasyPrint lays an image out faster than inline
SVG, whose every node it would style as part of the page). Ids inside each SVG are salted with the
chart id so several charts can share a page.

Each chart is drawn once: its tight bounding box is measured before the drawing and passed to
``savefig`` (``bbox_inches="tight"`` would draw the figure twice, once to measure it).
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import matplotlib

matplotlib.use("Agg")

from markupsafe import Markup, escape
from matplotlib import dates as mdates
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from cancerwatch.read import palette
from cancerwatch.variation import FunnelView

NHS_DARK_GREY = palette.NHS_DARK_GREY
NHS_MID_GREY = palette.NHS_MID_GREY
NHS_PALE_GREY = palette.NHS_PALE_GREY
MDC = {**palette.POINT, "target": palette.SPC_LINES["target"]}
FONTS = ["Arial", "Helvetica", "Liberation Sans", "DejaVu Sans"]
RC: dict[Any, Any] = {  # matplotlib rcParams (its stubs key them by a Literal of names)
    "font.family": "sans-serif",
    "font.sans-serif": FONTS,
    "font.size": 8.5,
    "axes.edgecolor": NHS_MID_GREY,
    "axes.labelcolor": NHS_DARK_GREY,
    "xtick.color": NHS_DARK_GREY,
    "ytick.color": NHS_DARK_GREY,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.fonttype": "none",
}
PERCENT = FuncFormatter(lambda y, _pos: f"{y * 100:.0f}%")


def _percent_axis(ax: object, bins: int = 6) -> None:
    """Whole-percent ticks on a proportion axis (steps of 1, 2, 5 or 10 points)."""
    ax.yaxis.set_major_locator(MaxNLocator(nbins=bins, steps=[1, 2, 5, 10], min_n_ticks=3))  # type: ignore[attr-defined]
    ax.yaxis.set_major_formatter(PERCENT)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Chart:
    """One chart: its SVG (with a ``<title>``) and that title, the chart's alternative text."""

    svg: str
    title: str

    def __html__(self) -> str:
        """Inline in the HTML (Jinja and MarkupSafe call this)."""
        return self.svg

    def __str__(self) -> str:
        return self.svg

    def image(self) -> Markup:
        """The same SVG as an ``<img>`` (a ``data:`` URI) with the title as its ``alt`` text."""
        data = base64.b64encode(self.svg.encode("utf-8")).decode("ascii")
        return Markup('<img class="chart" alt="{}" src="data:image/svg+xml;base64,{}">').format(self.title, data)


PAD_INCHES = 0.1
"""Space around the tight bounding box (matplotlib's ``savefig.pad_inches``)."""


def _svg(fig: Figure, chart_id: str, title: str) -> Chart:
    buf = io.StringIO()
    with rc_context({**RC, "svg.hashsalt": chart_id}):
        # the tight box measured without drawing (matplotlib's "tight" draws the figure once more for it)
        bbox = fig.get_tightbbox(FigureCanvasAgg(fig).get_renderer()).padded(PAD_INCHES)
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches=bbox)
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    # scale with the page: drop the fixed size in points, keep the viewBox; name the chart
    svg = re.sub(
        r'<svg([^>]*?) width="[^"]*" height="[^"]*"([^>]*)>',
        lambda m: f'<svg{m[1]} class="chart"{m[2]} role="img"><title>{escape(title)}</title>',
        text,
        count=1,
    )
    return Chart(svg, title)


def warm() -> None:
    """Draw one small chart: matplotlib's first drawing finds the fonts and builds its caches
    (over a second), which a server does before its first report rather than during it."""
    fig = _figure(1, 1)
    fig.add_subplot().plot([0, 1], [0, 1])
    _svg(fig, "warm", "warm")


def _figure(width: float, height: float) -> Figure:
    with rc_context(RC):
        return Figure(figsize=(width, height), dpi=100)


def _month_locator(first: date, last: date, small: bool) -> mdates.MonthLocator:
    """Ticks every 1, 2, 3, 6 or 12 months, on financial quarters: at most 5 (small) or 8 labels."""
    span = (last.year - first.year) * 12 + last.month - first.month + 1
    step = next((k for k in (1, 2, 3, 6) if span / k <= (5 if small else 8)), 12)
    months = {1: range(1, 13), 2: range(2, 13, 2), 3: (1, 4, 7, 10), 6: (4, 10), 12: (4,)}[step]
    return mdates.MonthLocator(bymonth=list(months))


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _steps(points: list[dict], key: str) -> tuple[list[list[date]], list[list[float]]]:
    """Runs of consecutive points with a value for ``key`` and the same rebase group."""
    xs: list[list[date]] = []
    ys: list[list[float]] = []
    previous = object()
    for p in points:
        value = p.get(key)
        group = (p.get("rebase_group"), value is None)
        if value is None:
            previous = group
            continue
        if group != previous:
            xs.append([])
            ys.append([])
        xs[-1].append(p["period_start"])
        ys[-1].append(value)
        previous = group
    return xs, ys


def spc_chart(
    points: list[dict],
    *,
    available: bool,
    chart_id: str,
    year_start: date,
    year_end: date,
    small: bool = False,
    title: str = "Monthly performance",
) -> Chart:
    """An XmR chart of ``points`` (SPC points, or when ``available`` is false the plain monthly values
    ``period_start``, ``value``, ``target``: a run chart), named ``title``."""
    points = [
        {**p, "period_start": _day(p["period_start"]), "point_type": p.get("point_type") or "common_cause"}
        for p in points
    ]
    with rc_context(RC):
        fig = _figure(3.6 if small else 7.2, 2.0 if small else 2.35)
        ax = fig.add_subplot()
        ax.axvspan(year_start, year_end, color=NHS_PALE_GREY, zorder=0, lw=0)  # type: ignore[arg-type]  # dates, through matplotlib's converters
        xs = [p["period_start"] for p in points]
        ax.set_axisbelow(True)
        ax.plot(xs, [p["value"] for p in points], color=MDC["common_cause"], lw=1.2, zorder=2.4)  # type: ignore[arg-type]  # dates, through matplotlib's converters
        for key, style in (("mean", "-"), ("lpl", "--"), ("upl", "--")):
            for sx, sy in zip(*_steps(points, key), strict=True):
                colour = palette.SPC_LINES["mean"] if key == "mean" else palette.SPC_LINES["limits"]
                ax.plot(sx, sy, color=colour, lw=0.9, ls=style, zorder=2)  # type: ignore[arg-type]  # dates, through matplotlib's converters
        for sx, sy in zip(*_steps(points, "target"), strict=True):
            ax.step(sx, sy, where="mid", color=MDC["target"], lw=1.1, ls=(0, (4, 2)), zorder=2.2)  # type: ignore[arg-type]  # dates, through matplotlib's converters
        colours = [palette.point_colour(p["point_type"]) for p in points]
        ax.scatter(xs, [p["value"] for p in points], c=colours, s=10 if small else 16, zorder=3, lw=0)
        _percent_axis(ax, 4 if small else 6)
        ax.xaxis.set_major_locator(_month_locator(min(xs[0], year_start), max(xs[-1], year_end), small))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
        ax.grid(axis="y", color=NHS_PALE_GREY, lw=0.6)
        ax.set_xlim(min(xs[0], year_start), max(xs[-1], year_end))
        ax.margins(y=0.15)
        if not small:
            handles = [
                ax.plot([], [], color=palette.SPC_LINES["mean"], lw=0.9, label="Mean")[0],
                ax.plot([], [], color=palette.SPC_LINES["limits"], lw=0.9, ls="--", label="Process limits")[0],
                ax.plot([], [], color=MDC["target"], lw=1.0, ls=(0, (4, 2)), label="Threshold")[0],
                ax.scatter([], [], color=MDC["special_cause_improvement"], s=16, label="Improvement"),
                ax.scatter([], [], color=MDC["special_cause_concern"], s=16, label="Concern"),
                ax.scatter([], [], color=MDC["common_cause"], s=16, label="Common cause"),
            ]
            if not available:
                handles = [handles[2], handles[5]]
            ax.legend(
                handles=handles,
                loc="upper center",
                bbox_to_anchor=(0.5, -0.14),
                ncol=len(handles),
                frameon=False,
                fontsize=7.5,
            )
        chart = _svg(fig, chart_id, title)
    return chart


def funnel_chart(
    view: FunnelView,
    *,
    chart_id: str,
    highlight: str | None,
    peer_label: str,
    title: str = "Funnel plot of performance against patients",
) -> Chart:
    """Funnel plot named ``title``; ``highlight`` is the organisation drawn in the highlight colour."""
    with rc_context(RC):
        fig = _figure(7.2, 2.5)
        ax = fig.add_subplot()
        c = {k: [row[k] for row in view.curves] for k in ("denominator", "lower95", "upper95", "lower998", "upper998")}
        n = c["denominator"]
        if n:
            ax.plot(n, c["lower998"], color=palette.FUNNEL["limits_998"], lw=1.0, label="99.8% limits")
            ax.plot(n, c["upper998"], color=palette.FUNNEL["limits_998"], lw=1.0)
            ax.plot(n, c["lower95"], color=palette.FUNNEL["limits_95"], lw=0.9, ls="--", label="95% limits")
            ax.plot(n, c["upper95"], color=palette.FUNNEL["limits_95"], lw=0.9, ls="--")
        if view.target is not None:
            centre = "England" if view.target_kind == "england" else "Threshold"
            ax.axhline(view.target, color=palette.FUNNEL["target"], lw=0.9, label=centre)
        shown = [r for r in view.rows if r.get("performance") is not None]
        others = [r for r in shown if r["org_code"] != highlight]
        ax.scatter(
            [r["denominator"] for r in others],
            [r["performance"] for r in others],
            c=[palette.outlier_colour(r.get("outlier")) for r in others],
            s=14,
            lw=0,
            zorder=3,
            label=peer_label,
        )
        for r in shown:
            if r["org_code"] == highlight:
                highlight_colour = palette.FUNNEL["highlight"]
                ax.scatter(
                    [r["denominator"]], [r["performance"]], color=highlight_colour, s=60, zorder=4, lw=1.2, ec="white"
                )
                ax.annotate(
                    r["org_name"],
                    (r["denominator"], r["performance"]),
                    xytext=(6, 6),
                    textcoords="offset points",
                    color=highlight_colour,
                    fontsize=8,
                    fontweight="bold",
                )
        ax.set_axisbelow(True)
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x:,.0f}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("Patients in the period (log scale)")
        _percent_axis(ax)
        ax.grid(axis="y", color=NHS_PALE_GREY, lw=0.6)
        if shown:
            # the points, the target and each point's own 99.8% limits
            ys = [r["performance"] for r in shown] + [view.target or shown[0]["performance"]]
            ys += [r[k] for r in shown for k in ("lower998", "upper998") if r.get(k) is not None]
            pad = max(0.01, (max(ys) - min(ys)) * 0.08)
            ax.set_ylim(max(0.0, min(ys) - pad), min(1.0, max(ys) + pad))
            ax.set_xlim(min(r["denominator"] for r in shown) * 0.7, max(r["denominator"] for r in shown) * 1.3)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=4, frameon=False, fontsize=7.5)
        chart = _svg(fig, chart_id, title)
    return chart
