"""The annual progress report for England or one organisation, as HTML and PDF.

The report's figures are a read-layer view (:func:`cancerwatch.read.report.annual_report`);
:func:`build_report` builds it for a connection and a disclosure policy, :func:`render_html`
draws the charts (``charts.py``) and fills the Jinja2 template (``templates/report.html``), and
:func:`write_report` writes ``.html`` or, through WeasyPrint, ``.pdf`` (``pdf.py``).
"""

from __future__ import annotations

import dataclasses
import functools
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from cancerwatch.catalogue.standards import source_text
from cancerwatch.config import Settings
from cancerwatch.errors import UsageError
from cancerwatch.read.context import Reader
from cancerwatch.read.disclosure import Disclosure
from cancerwatch.read.report import AnnualReport, annual_report
from cancerwatch.read.report_summary import GROUPS

if TYPE_CHECKING:
    from cancerwatch.reports.charts import Chart

__all__ = ["AnnualReport", "build_report", "render_html", "write_report"]

MINUS = "\u2212"


def pct(value: float | None, dp: int = 1) -> str:
    """A proportion as a percentage (``71.9%``), or a dash."""
    return "—" if value is None else f"{value * 100:.{dp}f}%".replace("-", MINUS)


def count(value: float | None) -> str:
    """A count with thousands separators; half patients keep their ``.5``."""
    if value is None:
        return "—"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def points(value: float | None) -> str:
    """A change in percentage points, signed (``+1.2 pts``)."""
    if value is None:
        return "—"
    shown = round(value * 100, 1)
    if shown == 0:
        return "0.0 pts"
    return f"{shown:+.1f} pts".replace("-", MINUS)


def month_name(iso: str | date | None, fmt: str = "%B %Y") -> str:
    """``2023-09-01`` or ``2023-09`` → ``September 2023`` (or ``fmt``)."""
    if iso is None:
        return "—"
    text = str(iso)
    d = iso if isinstance(iso, date) else date.fromisoformat(text[:10] if len(text) > 7 else f"{text}-01")
    return d.strftime(fmt)


@functools.cache
def environment() -> Environment:
    """The report's Jinja environment (one per process: it keeps the compiled template)."""
    env = Environment(
        loader=PackageLoader("cancerwatch.reports", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(pct=pct, count=count, points=points, month_name=month_name)
    env.globals.update(source_text=source_text, chart=_chart)
    return env


def warm() -> None:
    """Compile the report's template (a fraction of a second), as a server does before its first report."""
    environment().get_template("report.html")


def build_report(
    con: duckdb.DuckDBPyConnection,
    org: str,
    year: str,
    *,
    public: bool = False,
    level: str | None = None,
    settings: Settings | None = None,
    record_access: bool | None = None,
) -> AnnualReport:
    """The report of ``org`` (or ``ENG``) for ``year``: public or internal, under ``settings``'
    disclosure policy. Record-level figures are shown unless ``public`` (or ``record_access`` is false)."""
    access = not public if record_access is None else record_access
    disclosure = Disclosure.from_settings(settings or Settings(), public=public, record_access=access)
    return annual_report(Reader(con, disclosure), org, year, level=level)


def _charts(report: AnnualReport) -> None:
    """Draw every chart of the report (once: a report rendered again keeps its charts), side by
    side in the chart workers when a server has started them (:mod:`.workers`)."""
    from cancerwatch.reports import charts, workers

    year, org = report.year, report.org
    jobs: list[workers.Job] = []
    slots: list[tuple[object, str]] = []
    for rep in report.headline + report.legacy:
        if hasattr(rep, "spc_svg"):
            continue
        if rep.spc.available:
            points = rep.chart_points
        else:
            points = [
                {
                    "period_start": r["period_start"],
                    "value": r["performance"],
                    "target": r["threshold"],
                    "rebase_group": 0,
                }
                for r in rep.series
                if r["performance"] is not None
            ]
        name = rep.standard.short_name
        rep.spc_svg = rep.funnel_svg = None  # type: ignore[attr-defined]
        if points:
            first, last = (month_name(points[i]["period_start"]) for i in (0, -1))
            kind = "Statistical process control (XmR) chart" if rep.spc.available else "Run chart"
            slots.append((rep, "spc_svg"))
            jobs.append(
                (
                    charts.spc_chart,
                    {
                        "points": points,
                        "available": rep.spc.available,
                        "chart_id": f"spc-{rep.id}",
                        "year_start": year["start"],
                        "year_end": year["end"],
                        "small": rep.id not in ("fds", "31d", "62d"),
                        "title": f"{kind} of {name}, monthly performance of {org.name}, {first} to {last}",
                    },
                )
            )
        if rep.funnel is not None and rep.funnel.available:
            slots.append((rep, "funnel_svg"))
            jobs.append(
                (
                    charts.funnel_chart,
                    {
                        "view": rep.funnel,
                        "chart_id": f"funnel-{rep.id}",
                        "highlight": None if org.level == "national" else org.code,
                        "peer_label": report.peer_label.capitalize()
                        if org.level == "national"
                        else f"Other {report.peer_label}",
                        "title": f"Funnel plot of {name} performance against patients, {year['label']}, "
                        f"every one of the {report.peer_label}",
                    },
                )
            )
    for (owner, attribute), chart in zip(slots, workers.draw(jobs), strict=True):
        setattr(owner, attribute, chart)


@pass_context
def _chart(context: Context, chart: Chart | None) -> Markup:
    """A chart inline (``<svg>``), or as an ``<img>`` when rendering for the PDF."""
    if chart is None:
        return Markup("")
    return chart.image() if context.get("charts_as_images") else Markup(chart)


def render_html(report: AnnualReport, *, json_url: str | None = None, pdf: bool = False) -> str:
    """The report as one self-contained HTML document (charts are inline SVG).

    ``json_url``: the report's JSON alternate, advertised in the head (on the web). ``pdf``: the
    document to print (``pdf.html_to_pdf``): the same, with each chart's SVG as an ``<img>``
    with its alternative text, which WeasyPrint lays out in a fraction of the time.
    """
    _charts(report)
    context = {f.name: getattr(report, f.name) for f in dataclasses.fields(report)}
    return (
        environment()
        .get_template("report.html")
        .render(**context, json_url=json_url, summary_groups=GROUPS, charts_as_images=pdf)
    )


def write_report(
    con: duckdb.DuckDBPyConnection,
    org: str,
    year: str,
    out: Path,
    *,
    public: bool = False,
    level: str | None = None,
    settings: Settings | None = None,
) -> AnnualReport:
    """Build the report and write ``out`` (``.html`` or ``.pdf``); return the report."""
    suffix = out.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise UsageError(f"--out {out.name!r}: the report is written as .html or .pdf")
    report = build_report(con, org, year, public=public, level=level, settings=settings)
    html = render_html(report, pdf=suffix == ".pdf")
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".pdf":
        from cancerwatch.reports.pdf import write_pdf

        write_pdf(html, out)
    else:
        out.write_text(html, encoding="utf-8")
    return report
