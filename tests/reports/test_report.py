"""The annual progress report (issue 10) on the bundled NHS England data.

England and one Cancer Alliance (Cheshire and Merseyside, provider basis) render to HTML and PDF;
every figure cell in the HTML equals ``queries.metrics`` (the rows of ``cancerwatch metrics``) for
the same standard and period; PDF pages render to PNG with poppler's ``pdftoppm``.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date
from html.parser import HTMLParser

import pytest
from typer.testing import CliRunner

from cancerwatch.cli.app import app
from cancerwatch.periods import add_months
from cancerwatch.queries import MetricQuery, metrics
from cancerwatch.read.context import Reader
from cancerwatch.read.disclosure import Disclosure
from cancerwatch.reports import build_report, charts, count, pct, render_html
from cancerwatch.reports.pdf import html_to_pdf
from cancerwatch.variation import spc_or_note
from cancerwatch.warehouse.organisations import Organisation

YEAR = "2024/25"  # the latest complete financial year bundled
FY_START, FY_END = date(2024, 4, 1), date(2025, 3, 1)
PREVIOUS = "2023/24"
ORGS = {"ENG": "national", "E56000005": "alliance"}
FIGURE_FIELDS = ("total", "within_standard", "performance", "england_performance")


class FigureCells(HTMLParser):
    """Collect ``<td data-standard=… data-period=… data-field=…>`` cells with their text."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[dict] = []
        self._open: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "td" and "data-field" in a:
            self._open = {**a, "text": ""}

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._open is not None:
            self._open["text"] = self._open["text"].strip()
            self.cells.append(self._open)
            self._open = None


def cells_of(html: str) -> list[dict]:
    parser = FigureCells()
    parser.feed(html)
    return parser.cells


@pytest.fixture(scope="module")
def built(warehouse) -> dict:
    """Each report is built once per module: {code: (report, HTML)}."""
    out = {}
    for code in ORGS:
        built_report = build_report(warehouse, code, YEAR)
        out[code] = (built_report, render_html(built_report))
    return out


@pytest.fixture(params=list(ORGS))
def report(request, built):
    """(org code, report, HTML) for England and for Cheshire and Merseyside."""
    return (request.param, *built[request.param])


def _period(label: str) -> str:
    return "year" if "/" in label else "month"


def _metric_rows(con, code: str, standard: str, period: str, by: str | None = None) -> dict:
    level = ORGS[code]
    rows = metrics(
        con,
        MetricQuery(
            standard=standard,
            level=level,
            period=period,
            org=None if level == "national" else code,
            by=by,
            date_from=add_months(FY_START, -24) if period == "month" else FY_START,
            date_to=FY_END,
        ),
    )
    return {(r["period_label"], r.get(by) if by else None): r for r in rows}


def _summed_months(con, code: str, standard: str, field: str) -> float:
    rows = [r for (label, _), r in _metric_rows(con, code, standard, "month").items() if label >= "2024-04"]
    total, within = sum(r["total"] for r in rows), sum(r["within_standard"] for r in rows)
    return {"total": total, "within_standard": within, "performance": within / total}[field]


def _text(field: str, value: float | None) -> str:
    return count(value) if field in ("total", "within_standard") else pct(value)


def test_figures_equal_metrics(report, warehouse):
    code, _, html = report
    figures = [c for c in cells_of(html) if "data-standard" in c]  # not the record-level cells
    cells = [c for c in figures if c["data-field"] in FIGURE_FIELDS and "data-by" not in c]
    cache: dict = {}
    for c in cells:
        key = (c["data-standard"], _period(c["data-period"]))
        if c.get("data-source") == "months":  # no annual figure published: the year's months summed
            expected = _summed_months(warehouse, code, c["data-standard"], c["data-field"])
        else:
            if key not in cache:
                cache[key] = _metric_rows(warehouse, code, *key)
            expected = cache[key][(c["data-period"], None)][c["data-field"]]
        assert float(c["data-value"]) == pytest.approx(expected, abs=1e-12), c
        assert c["text"] == _text(c["data-field"], expected), c
    # every headline standard shows its year figures and the twelve months of 2024/25
    for standard in ("fds", "31d", "62d"):
        mine = [c for c in cells if c["data-standard"] == standard]
        assert {c["data-field"] for c in mine if c["data-period"] == YEAR} >= {
            "total",
            "within_standard",
            "performance",
        }
        months = {c["data-period"] for c in mine if _period(c["data-period"]) == "month"}
        assert months == {f"2024-{m:02d}" for m in range(4, 13)} | {f"2025-{m:02d}" for m in range(1, 4)}
    assert len(cells) > 100


def test_breakdown_figures_equal_metrics(report, warehouse):
    code, _, html = report
    cells = [c for c in cells_of(html) if "data-by" in c]
    assert {c["data-by"] for c in cells} == {"cancer_type", "route"}
    cache: dict = {}
    for c in cells:
        key = (c["data-standard"], c["data-by"])
        if key not in cache:
            cache[key] = _metric_rows(warehouse, code, key[0], "year", by=key[1])
        row = cache[key][(c["data-period"], c["data-by-value"])]
        assert float(c["data-value"]) == pytest.approx(row[c["data-field"]], abs=1e-12), c


def test_year_on_year_change_is_like_for_like(report, warehouse):
    """2024/25 is complete, so each headline standard is compared with the whole of 2023/24 (its
    twelve months: the provider extract to September 2023, the monthly workbooks after), summed
    as counts."""
    code, built_report, html = report
    cells = {(c.get("data-standard"), c["data-field"]): c for c in cells_of(html)}
    for rep in built_report.headline:
        prev = rep.previous
        years = _metric_rows(warehouse, code, rep.id, "year")
        assert (PREVIOUS, None) not in years  # the year rows asked for start in 2024/25
        [before] = [
            r
            for r in metrics(warehouse, MetricQuery(rep.id, ORGS[code], "year", None if code == "ENG" else code))
            if r["period_label"] == PREVIOUS
        ]
        assert before["months"] == 12
        assert prev["available"] and not prev["same_months"] and prev["label"] == PREVIOUS
        assert float(cells[(rep.id, "previous_total")]["data-value"]) == pytest.approx(before["total"])
        assert float(cells[(rep.id, "previous_performance")]["data-value"]) == pytest.approx(before["performance"])
        change = rep.year["performance"] - before["within_standard"] / before["total"]
        assert float(cells[(rep.id, "change")]["data-value"]) == pytest.approx(change)


def test_report_sections(report, warehouse):
    code, rpt, html = report
    for anchor in (
        "board",
        "summary",
        "change",
        "waits",
        "trends",
        "peers",
        "detail",
        "escalations",
        "early",
        "quality",
        "methods",
    ):
        assert f'id="{anchor}"' in html and f'href="#{anchor}"' in html
    assert html.count("<svg") >= 2 * len(rpt.headline) + len(rpt.legacy)
    assert "Record-level" in html or "No record-level data was provided" in html  # no pathways loaded
    assert rpt.coverage["months"] == 12
    assert all(rep.spc.available for rep in rpt.headline)
    assert all(rep.funnel and rep.funnel.available for rep in rpt.headline)
    # no file that covers 2024/25 had rows quarantined (the national series' "2023/24 YTD" rows
    # belong to a file that ends in September 2023)
    assert rpt.data_quality["quarantined"] == 0
    # the 31-day and 62-day series restart their limits in October 2023 (variation policy)
    assert [rep.spc.rebased_at for rep in rpt.headline] == [[], ["2023-10"], ["2023-10"]]
    if code == "ENG":
        # the first-appointment measures have twelve months but no threshold; the two-week waits
        # they continue (standards to September 2023) are shown once, under the current names
        legacy = {r.id: r for r in rpt.legacy}
        assert legacy["usc_foa"].year["months"] == 12 and legacy["usc_foa"].status == "no_threshold"
        assert "2ww" not in legacy and "2ww_breast" not in legacy
        assert [(c["standard"].id, c["as"].id) for c in rpt.continued] == [
            ("2ww", "usc_foa"),
            ("2ww_breast", "ubs_fha"),
        ]
        assert len(rpt.headline[0].spc.points) == 48  # April 2021 to March 2025
    else:
        assert rpt.org.level == "alliance" and rpt.org.basis == "provider"
        year = [
            r
            for r in metrics(warehouse, MetricQuery("fds", "alliance", "year"))
            if r["period_label"] == YEAR and r["org_code"] != "UNMAPPED"
        ]
        order = [r["org_code"] for r in sorted(year, key=lambda r: -r["performance"])]
        assert len(order) == 20 and order.index("E56000005") == 15
        assert "16 of 20" in html  # FDS rank among the 20 Alliances of 2024/25
        assert rpt.data_quality["unmapped"][0]["patients"]["total"] > 0


def _render_pages(pdf: bytes, tmp_path) -> int:
    assert shutil.which("pdftoppm"), "pdftoppm (Debian poppler-utils) is needed: run scripts/install.sh"
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        ["pdftoppm", "-r", "30", "-png", str(path), str(tmp_path / "page")], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
    pages = sorted(tmp_path.glob("page-*.png"))
    assert all(p.stat().st_size > 1000 for p in pages)
    return len(pages)


def test_england_pdf_renders(built, tmp_path):
    pdf = html_to_pdf(built["ENG"][1])
    assert pdf.startswith(b"%PDF")
    assert _render_pages(pdf, tmp_path) > 1


def test_cli_writes_alliance_pdf(built, warehouse_path, tmp_path, monkeypatch):
    import cancerwatch.reports as reports

    calls = []

    def cached(con, org, year, **kw):  # the figures are tested above: reuse them
        calls.append((org, year, kw["public"], kw["level"]))
        return built["E56000005"][0]

    monkeypatch.setattr(reports, "build_report", cached)
    out = tmp_path / "cm.pdf"
    res = CliRunner().invoke(
        app, ["report", "--org", "E56000005", "--year", YEAR, "--out", str(out), "--db", str(warehouse_path)]
    )
    assert res.exit_code == 0, res.output
    assert calls == [("E56000005", YEAR, False, None)]
    assert _render_pages(out.read_bytes(), tmp_path) > 1


def test_cli_rejects_bad_requests(warehouse_path, tmp_path):
    from cancerwatch.errors import UsageError

    for args in (["--org", "NOPE"], ["--org", "ENG", "--out", str(tmp_path / "r.docx")], ["--year", "2023/25"]):
        argv = {"--org": "ENG", "--year": YEAR, "--out": str(tmp_path / "r.html")}
        argv.update(dict(zip(args[::2], args[1::2], strict=True)))
        res = CliRunner().invoke(app, ["report", *sum(argv.items(), ()), "--db", str(warehouse_path)])
        assert isinstance(res.exception, UsageError), (args, res.output)


def test_public_version_shows_published_figures_as_published(built, warehouse):
    """NHS England's figures are public (OGL): the public report shows them unrounded, with the same
    verdicts; what it leaves out is every figure computed from record-level pathways."""
    internal, internal_html = built["E56000005"]
    public = build_report(warehouse, "E56000005", YEAR, public=True)
    html = render_html(public)
    assert public.public and public.policy is None and not public.record_access
    assert "public version" in html
    assert cells_of(html) == cells_of(internal_html)
    for mine, theirs in zip(public.headline, internal.headline, strict=True):
        assert mine.year == theirs.year and mine.status == theirs.status
        assert mine.spc.assurance_type == theirs.spc.assurance_type
        assert mine.position["where"] == theirs.position["where"]
    assert not public.early_diagnosis["available"]
    assert "not publish" in public.early_diagnosis["note"]
    assert "suppressed: small number" not in html


def test_a_run_chart_when_spc_is_not_available():
    """A series with a gap is charted on its latest run of consecutive months (NHSRplotthedots needs
    consecutive months) and says so; without figures there is no SPC chart, and the report draws the
    monthly values against the threshold."""
    rows = [
        {"period_start": f"2023-{m:02d}-01", "performance": 0.7, "threshold": 0.75, "total": 10, "within_standard": 7}
        for m in (4, 5, 7, 8)
    ]
    view = spc_or_note("fds", rows)  # only consecutive months are consecutive: the latest run is charted
    assert view.available and [p["period_start"] for p in view.points] == ["2023-07-01", "2023-08-01"]
    assert view.trial_limits and "between May 2023 and July 2023" in (view.gap_note or "")
    assert not spc_or_note("fds", [{**r, "performance": None} for r in rows]).available
    points = [{"period_start": r["period_start"], "value": 0.7, "target": 0.75, "rebase_group": 0} for r in rows]
    chart = charts.spc_chart(
        points, available=False, chart_id="t", year_start=FY_START, year_end=date(2024, 3, 1), title="Run chart"
    )
    assert chart.svg.startswith("<svg") and "<title>Run chart</title>" in chart.svg


def test_a_chart_is_drawn_once(monkeypatch):
    """Each chart is drawn once: its tight box is measured without a drawing of its own."""
    from matplotlib.figure import Figure

    drawn = []
    draw = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, renderer: drawn.append(renderer) or draw(self, renderer))
    points = [{"period_start": f"2024-{m:02d}-01", "value": 0.7, "target": 0.75, "rebase_group": 0} for m in (4, 5, 6)]
    chart = charts.spc_chart(points, available=False, chart_id="once", year_start=FY_START, year_end=FY_END)
    assert len(drawn) == 1 and 'viewBox="0 0 ' in chart.svg


def test_charts_are_named_and_print_as_images(built):
    """Every chart carries its title (``role="img"``); the document to print has the same charts
    as images with that title as alternative text, and the same figures."""
    import base64
    import html as html_lib

    rpt, html = built[ALLIANCE]
    inline = re.findall(r'<svg[^>]*class="chart"[^>]*role="img"><title>([^<]+)</title>', html)
    assert len(inline) == 2 * len(rpt.headline) + len(rpt.legacy)
    assert all(rpt.org.name in t for t in inline[: len(rpt.headline)])
    printed = render_html(rpt, pdf=True)
    assert 'class="chart" role="img"' not in printed
    images = re.findall(r'<img class="chart" alt="([^"]+)" src="data:image/svg\+xml;base64,([^"]+)">', printed)
    assert [html_lib.unescape(alt) for alt, _ in images] == [html_lib.unescape(t) for t in inline]
    svgs = re.findall(r'<svg[^>]*class="chart".*?</svg>', html, re.S)
    assert [base64.b64decode(data).decode().rstrip() for _, data in images] == svgs  # drawn once, shown twice
    assert cells_of(printed) == cells_of(html)


def _early_rows():
    def row(code, year, diagnosed, staged, early, emergencies, rate):
        return {
            "org_code": code,
            "year": year,
            "diagnosed": diagnosed,
            "staged": staged,
            "early": early,
            "emergency_presentations": emergencies,
            "emergency_presentation_rate": rate,
        }

    return [row("E56000005", YEAR, 1000, 800, 480, 150, 0.15), row("UNMAPPED", YEAR, 10, 6, 3, 1, 0.1)]


def test_early_diagnosis_from_record_level_rows(monkeypatch):
    """With pathways loaded, the section shows early diagnosis and emergency presentations to a viewer
    who may see record-level figures; England sums the Alliance rows (including UNMAPPED), and the
    disclosure policy controls small counts."""
    import cancerwatch.read.report_sections as sections

    monkeypatch.setattr(sections, "early_diagnosis", lambda con, level: _early_rows())
    england_org = Organisation("ENG", "England", "national", "provider")
    england = sections.early_diagnosis_section(Reader(None, Disclosure()), england_org, FY_START)  # type: ignore[arg-type]
    assert england["available"] and not england["years"][0]["available"]  # no 2023/24 rows
    y = england["years"][1]
    assert (y["early"]["within_standard"], y["early"]["total"]) == (483, 806)
    assert y["emergency"]["total"] == 1010 and y["emergency"]["performance"] == pytest.approx(151 / 1010)
    assert y["staging"]["performance"] == pytest.approx(806 / 1010)
    controlled = Reader(None, Disclosure("nhsd_2018"))  # type: ignore[arg-type]
    unmapped = sections.early_diagnosis_section(
        controlled, Organisation("UNMAPPED", "x", "alliance", "provider"), FY_START
    )
    assert unmapped["years"][1]["early"]["within_standard"] is None  # 3 cases: suppressed
    provider = sections.early_diagnosis_section(
        Reader(None, Disclosure()),
        Organisation("RBQ", "x", "provider", "provider"),
        FY_START,  # type: ignore[arg-type]
    )
    assert not provider["available"] and "patient's area" in provider["note"]


@pytest.mark.parametrize(("public", "record_access"), [(True, False), (False, False)])
def test_early_diagnosis_needs_record_access(monkeypatch, public, record_access):
    """Issue 20 item 10: figures computed from record-level pathways follow the API's rule: never on the
    public site, and only for a viewer who may see record-level figures."""
    import cancerwatch.read.report_sections as sections

    monkeypatch.setattr(sections, "early_diagnosis", lambda con, level: _early_rows())
    reader = Reader(None, Disclosure(public=public, record_access=record_access))  # type: ignore[arg-type]
    out = sections.early_diagnosis_section(reader, Organisation("E56000005", "x", "alliance", "provider"), FY_START)
    assert not out["available"] and "years" not in out
    assert "480" not in str(out) and "483" not in str(out)


# ---------------------------------------------------------------- the report as a board reads it

ALLIANCE = "E56000005"
HEADLINE_NAMES = {"fds": "28-day FDS", "31d": "31-day", "62d": "62-day"}
JARGON = (
    "escalation_rules",
    ".toml",
    "--public",
    "CANCERWATCH_",
    "[V-",
    "pathways table",
    "warehouse",
    "catalogue/",
    "nhsd_2018",
    "<code>",
)


class VisibleText(HTMLParser):
    """The text a reader sees (no style sheet, no attributes)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("style", "script")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def _alliance_year(con, standard: str, label: str) -> dict:
    rows = metrics(con, MetricQuery(standard, "alliance", "year", ALLIANCE))
    return next(r for r in rows if r["period_label"] == label)


def _alliance_months(con, standard: str, start: str, end: str) -> list[dict]:
    rows = metrics(con, MetricQuery(standard, "alliance", "month", ALLIANCE))
    return [r for r in rows if start <= r["period_label"] <= end]


def _said(rpt) -> dict[str, str]:
    return {s.topic: s.text for s in rpt.summary}


def test_board_summary_is_written_from_the_metric_rows(built, warehouse):
    """Each sentence of the one-page summary, worked by hand from `cancerwatch metrics` rows of
    Cheshire and Merseyside for 2024/25 and 2023/24 (both whole years)."""
    rpt, html = built[ALLIANCE]
    said = _said(rpt)
    now = {s: _alliance_year(warehouse, s, YEAR) for s in HEADLINE_NAMES}
    before = {s: _alliance_year(warehouse, s, PREVIOUS) for s in HEADLINE_NAMES}
    assert all(r["months"] == 12 for r in (*now.values(), *before.values()))
    # the year: how many standards met, and each standard's figure against its threshold
    met = [s for s in HEADLINE_NAMES if now[s]["performance"] >= now[s]["threshold"]]
    assert met == []  # 73.4%, 93.8% and 75.2% against 75%, 96% and 85%
    assert said["standards"] == "In 2024/25, Cheshire and Merseyside met none of the 3 cancer waiting-time standards."
    fds, months = now["fds"], _alliance_months(warehouse, "fds", "2024-04", "2025-03")
    months_met = sum(1 for m in months if m["performance"] >= m["threshold"])
    assert said["standard:fds"] == (
        f"28-day Faster Diagnosis Standard: {fds['within_standard'] / fds['total'] * 100:.1f}% of "
        f"{fds['total']:,.0f} patients within 28 days against a threshold of 75%, not met "
        f"({months_met} of 12 months met)."
    )
    # compared with 2023/24: a change counts when it shows as at least 0.1 points
    moved = {}
    for s in HEADLINE_NAMES:
        a, b = before[s]["within_standard"] / before[s]["total"], now[s]["within_standard"] / now[s]["total"]
        moved[s] = (a, b, round((b - a) * 100, 1))
    up = [s for s in HEADLINE_NAMES if moved[s][2] > 0]
    down = [s for s in HEADLINE_NAMES if moved[s][2] < 0]
    assert up == ["fds", "31d", "62d"] and down == []

    def phrase(s: str) -> str:
        a, b, pts = moved[s]
        return f"{HEADLINE_NAMES[s]} ({a * 100:.1f}% to {b * 100:.1f}%, up {pts:.1f} points)"

    assert said["improved"] == (
        f"Compared with 2023/24, performance improved on {phrase('fds')}, {phrase('31d')} and {phrase('62d')}."
    )
    assert said["worse"] == "No standard got worse than in 2023/24."
    # peers: the rank among the 20 Alliances of 2024/25
    ranks = [f"{now[s]['rank']}" for s in HEADLINE_NAMES]
    assert [now[s]["peers"] for s in HEADLINE_NAMES] == [20, 20, 20]
    suffix = {"1": "st", "2": "nd", "3": "rd"}
    words = [f"{r}{'th' if r in ('11', '12', '13') else suffix.get(r[-1], 'th')}" for r in ranks]
    assert said["rank"] == (
        f"Among the 20 Cancer Alliances, Cheshire and Merseyside ranked {words[0]} on 28-day FDS, "
        f"{words[1]} on 31-day and {words[2]} on 62-day (1st is the best)."
    )
    # every sentence is on the page, under its topic
    for s in rpt.summary:
        assert f'data-summary="{s.topic}">{s.text.replace("&", "&amp;").replace(chr(39), "&#39;")}</p>' in html


def test_board_summary_long_waits_and_escalations(built, warehouse):
    """The 62-day long waits from NHS England's published bands, and the escalation rules in force,
    worked from the wait rows and the escalation rules themselves."""
    from cancerwatch.accountability.escalation import escalate, rules
    from cancerwatch.wait_queries import WaitQuery, wait_distribution

    rpt, html = built[ALLIANCE]
    said = _said(rpt)
    rows = wait_distribution(warehouse, WaitQuery("62d", "alliance", ALLIANCE, "month"))
    over = {r["period_start"][:7]: r["over_104_days"] for r in rows}  # one figure per month
    total = sum(r["patients"] for r in rows if "2024-04" <= r["period_start"][:7] <= "2025-03")
    year = sum(v for m, v in over.items() if "2024-04" <= m <= "2025-03")
    # the bands are published from October 2023: 2023/24 has October to March only
    before = sum(v for m, v in over.items() if "2023-10" <= m <= "2024-03")
    after = sum(v for m, v in over.items() if "2024-10" <= m <= "2025-03")
    assert min(over) == "2023-10" and before > after
    expected = (
        f"In 2024/25, {count(year)} patients on the 62-day pathway ({year / total * 100:.1f}% of {count(total)}) "
        f"were treated after more than 104 days; in October 2024 to March 2025, {count(after)}: "
        f"{count(before - after)} fewer than in October 2023 to March 2024 ({count(before)}; the bands are "
        "published from October 2023)."
    )
    assert said["over_104"] == expected
    cells = {c["data-field"]: c for c in cells_of(html) if "data-field" in c and "over_104" in c["data-field"]}
    assert float(cells["current_over_104"]["data-value"]) == after
    assert float(cells["previous_over_104"]["data-value"]) == before
    # escalations: the rules that fire for the Alliance, per standard
    fired = {
        s: [
            e
            for rid in rules()
            for e in escalate(warehouse, standard=s, level="alliance", rule_id=rid, basis="provider")
            if e.org_code == ALLIANCE and e.fired
        ]
        for s in HEADLINE_NAMES
    }
    escalated = [HEADLINE_NAMES[s] for s in HEADLINE_NAMES if fired[s]]
    assert escalated  # Cheshire and Merseyside misses all three thresholds every quarter
    assert said["escalation"].startswith("Cheshire and Merseyside is escalated on figures to ")
    assert said["escalation"].endswith(f" on {', '.join(escalated[:-1])} and {escalated[-1]}.")
    for s in HEADLINE_NAMES:
        if fired[s]:
            text = said[f"escalation:{s}"]
            assert text.startswith(f"{HEADLINE_NAMES[s]}: ") and text.count("; ") >= len(fired[s]) - 1
            assert "consistent_fail" not in text and "common_cause" not in text


def test_year_on_year_over_the_months_both_years_have(built, warehouse):
    """USC first seen is published from October 2023: 2023/24 has six months, so the change
    compares October to March of both years, summed as counts."""
    rpt, html = built[ALLIANCE]
    [rep] = [r for r in rpt.legacy if r.id == "usc_foa"]
    prev = rep.previous
    old = _alliance_months(warehouse, "usc_foa", "2023-04", "2024-03")
    new = _alliance_months(warehouse, "usc_foa", "2024-10", "2025-03")
    assert [m["period_label"] for m in old] == ["2023-10", "2023-11", "2023-12", "2024-01", "2024-02", "2024-03"]
    a = sum(m["within_standard"] for m in old) / sum(m["total"] for m in old)
    b = sum(m["within_standard"] for m in new) / sum(m["total"] for m in new)
    assert prev["available"] and prev["same_months"] and prev["period_short"] == "6 months, Oct–Mar"
    assert prev["performance"] == pytest.approx(a) and prev["current_performance"] == pytest.approx(b)
    cells = {(c.get("data-standard"), c["data-field"]): c for c in cells_of(html)}
    assert float(cells[("usc_foa", "change")]["data-value"]) == pytest.approx(b - a)
    assert cells[("usc_foa", "change")]["text"] == f"{(b - a) * 100:+.1f} pts".replace("-", "\u2212")


def test_wait_distribution_cells_sum_the_published_bands(built, warehouse):
    from cancerwatch.wait_queries import WaitQuery, wait_distribution

    _, html = built[ALLIANCE]
    rows = wait_distribution(warehouse, WaitQuery("62d", "alliance", ALLIANCE, "year"))
    year = {r["band"]: r["patients"] for r in rows if r["period_label"] == YEAR}
    cells = {c["data-wait-band"]: float(c["data-value"]) for c in _wait_cells(html)}
    assert cells == year and len(cells) == 8


def _wait_cells(html: str) -> list[dict]:
    """The ``<td data-wait-band=…>`` cells of the wait distribution table."""
    found: list[dict] = []

    class Cells(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = dict(attrs)
            if tag == "td" and "data-wait-band" in a:
                found.append(a)

    Cells().feed(html)
    return found


def test_no_internal_jargon(built, warehouse):
    """Neither report, internal or public, names files, options, settings or internal codes."""
    public = render_html(build_report(warehouse, ALLIANCE, YEAR, public=True))
    for html in (built["ENG"][1], built[ALLIANCE][1], public):
        text = visible_text(html)
        for word in JARGON:
            assert word not in html, word
        # no identifier of the code (snake_case) in what a reader sees
        assert not re.findall(r"\b[a-z0-9]+_[a-z0-9_]+\b", text), re.findall(r"\b[a-z0-9]+_[a-z0-9_]+\b", text)[:5]


def test_pdf_is_tagged_and_every_page_has_content(built):
    """PDF/UA-1: a structure tree, marked content and the document language; no near-empty page."""
    import pypdf

    rpt = built[ALLIANCE][0]
    pdf = html_to_pdf(render_html(rpt, pdf=True))  # as the web and the CLI print it
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and bool(root["/MarkInfo"]["/Marked"])
    figures = []
    pending = [root["/StructTreeRoot"]]
    while pending:
        node = pending.pop().get_object()
        if not isinstance(node, pypdf.generic.DictionaryObject):  # a marked-content id
            continue
        if node.get("/S") == "/Figure":
            figures.append(node)
        kids = node.get("/K", [])
        pending.extend(k for k in (kids if isinstance(kids, list) else [kids]) if hasattr(k, "get_object"))
    charts_drawn = 2 * len(rpt.headline) + len(rpt.legacy)
    named = [str(f["/Alt"]) for f in figures if "/Alt" in f]
    assert len([a for a in named if "chart" in a or "plot" in a]) == charts_drawn  # every chart has its alt text
    assert root["/Lang"] == "en-GB"
    assert reader.metadata.title.startswith("Cancer waiting times: annual progress report 2024/25")
    texts = [page.extract_text() for page in reader.pages]
    assert 12 <= len(texts) <= 20
    thin = [(i + 1, len(t)) for i, t in enumerate(texts) if len(t) < 400]
    assert not thin, thin  # a page with a chart and its caption holds over 400 characters


def test_charts_drawn_in_the_workers_are_the_charts_drawn_here(warehouse):
    """With the chart workers started (as ``serve`` does), a report's charts go to the workers and
    its HTML is byte for byte the HTML drawn in this process."""
    from cancerwatch.reports import workers

    serial = render_html(build_report(warehouse, ALLIANCE, YEAR))
    assert workers.start(2) == 2
    try:
        pool = workers._pool
        submitted: list[str] = []
        submit = pool.submit
        pool.submit = lambda fn, *args, **kwargs: submitted.append(fn.__name__) or submit(fn, *args, **kwargs)
        assert render_html(build_report(warehouse, ALLIANCE, YEAR)) == serial
    finally:
        workers.stop()
    assert {"spc_chart", "funnel_chart"} <= set(submitted)
    assert workers.start(1) == 0  # one core: drawn here


def test_a_pdf_printed_in_a_worker_is_the_report_printed_here(warehouse):
    """With the workers started, a report's PDF is printed in a worker process (not the server's,
    whose interpreter lock stays free for pages) and holds the same pages and text as one printed here."""
    import os

    import pypdf

    from cancerwatch.reports import pdf, workers

    html = render_html(build_report(warehouse, ALLIANCE, YEAR), pdf=True)
    here = pypdf.PdfReader(io.BytesIO(pdf.html_to_pdf(html)))
    assert workers.start(2) == 2
    try:
        pool = workers._pool
        pids = {pool.submit(os.getpid).result() for _ in range(4)}
        assert os.getpid() not in pids
        printed: list[str] = []
        submit = pool.submit
        pool.submit = lambda fn, *args, **kwargs: printed.append(fn.__name__) or submit(fn, *args, **kwargs)
        there = pypdf.PdfReader(io.BytesIO(workers.print_pdf(html)))
    finally:
        workers.stop()
    assert printed == ["html_to_pdf"]
    assert [p.extract_text() for p in there.pages] == [p.extract_text() for p in here.pages]
    assert workers._pool is None
