"""The annual progress report for England or one organisation, as HTML and PDF.

:func:`build_report` collects the figures (``build.py``), :func:`render_html` draws the charts
(``charts.py``) and fills the Jinja2 template (``templates/report.html``), and
:func:`write_report` writes ``.html`` or, through WeasyPrint, ``.pdf`` (``pdf.py``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from cancerwatch.catalogue.standards import source_text
from cancerwatch.errors import UsageError
from cancerwatch.reports.build import build_report

__all__ = ["build_report", "render_html", "write_report"]

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


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("cancerwatch.reports", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(pct=pct, count=count, points=points, month_name=month_name)
    env.globals.update(source_text=source_text)
    return env


def _charts(context: dict) -> None:
    """Draw every chart of the report as embedded SVG."""
    from cancerwatch.reports import charts

    year, org = context["year"], context["org"]
    for rep in context["headline"] + context["legacy"]:
        mine = [r for r in rep.series if r["performance"] is not None]
        rep.spc_svg = None
        if mine:
            rep.spc_svg = Markup(
                charts.spc_chart(
                    rep.spc,
                    chart_id=f"spc-{rep.id}",
                    dates=[date.fromisoformat(r["period_start"]) for r in mine],
                    values=[r["performance"] for r in mine],
                    targets=[r["threshold"] for r in mine],
                    year_start=year["start"],
                    year_end=year["end"],
                    small=rep.id not in ("fds", "31d", "62d"),
                )
            )
        rep.funnel_svg = None
        if rep.funnel is not None and rep.funnel.available:
            rep.funnel_svg = Markup(
                charts.funnel_chart(
                    rep.funnel,
                    chart_id=f"funnel-{rep.id}",
                    highlight=None if org.level == "national" else org.code,
                    peer_label=context["peer_label"].capitalize()
                    if org.level == "national"
                    else f"Other {context['peer_label']}",
                )
            )


def render_html(context: dict) -> str:
    """The report as one self-contained HTML document (charts are inline SVG)."""
    _charts(context)
    return _environment().get_template("report.html").render(**context)


def write_report(
    con: duckdb.DuckDBPyConnection,
    org: str,
    year: str,
    out: Path,
    *,
    public: bool = False,
    level: str | None = None,
) -> dict:
    """Build the report and write ``out`` (``.html`` or ``.pdf``); return the context."""
    suffix = out.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise UsageError(f"--out {out.name!r}: the report is written as .html or .pdf")
    context = build_report(con, org, year, public=public, level=level)
    html = render_html(context)
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".pdf":
        from cancerwatch.reports.pdf import write_pdf

        write_pdf(html, out)
    else:
        out.write_text(html, encoding="utf-8")
    return context
