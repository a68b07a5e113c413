"""No withheld value reaches any output, whatever the settings (issue 17 item 3, issue 20 item 10).

Hypothesis draws the disclosure settings (``none``, ``nhsd_2018``, or ``threshold`` with a limit),
the mode (public or internal) and whether the viewer is signed in (a bearer token). For the figures
computed from record-level pathways (``tests/read/conftest.py``) the test works out on its own what
each rule lets through, from the published rules:

- NHS Digital (2018): below national level a count of 1 to 7 is withheld and every other count is
  rounded to the nearest 5; a percentage is worked out from the rounded counts, and withheld with
  either of them;
- threshold: a count below the limit is withheld, and so is a percentage made from it;

and reads every output back: the league page's cells, its JSON alternate, its CSV and Excel
downloads, the JSON API, and the annual report (HTML cells, and the text of its PDF). A viewer who
may not see record-level figures (the public site, or not signed in) gets none of them, and the
quarantine reasons of the record-level file are withheld from that viewer.
"""

from __future__ import annotations

import csv
import io
import math
import re
import subprocess
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cancerwatch.config import Settings
from cancerwatch.queries import MetricQuery, metrics
from cancerwatch.read.context import Reader
from cancerwatch.read.data import WITHHELD_REASON
from cancerwatch.read.disclosure import Disclosure
from cancerwatch.read.report import annual_report
from cancerwatch.reports import render_html
from cancerwatch.reports.pdf import html_to_pdf
from tests.read.conftest import AUTH, PATHWAY_FILE, RECORD_MONTH
from tests.web.conftest import make_client

COUNTS = ("total", "within_standard", "breaches")
LEAGUE = {"standard": "fds", "level": "provider", "dataset": "record", "period_start": RECORD_MONTH.isoformat()[:7]}
REPORT_ORG, REPORT_YEAR = "E56000005", "2024/25"


def controlled(value: float, policy: str, limit: int) -> float | None:
    """What ``policy`` shows of a sub-national count (None: withheld)."""
    if policy == "none" or value == 0:
        return value
    if policy == "threshold":
        return None if value < limit else value
    return None if value < 8 else 5 * math.floor(value / 5 + 0.5)


def expected_row(row: dict, policy: str, limit: int) -> dict:
    """The counts and the percentage a viewer may see of an unrounded metric row."""
    out = {f: controlled(float(row[f]), policy, limit) for f in COUNTS}
    if out["total"] is None or out["within_standard"] is None or not out["total"]:
        out["performance"] = None
    else:
        out["performance"] = out["within_standard"] / out["total"] if policy == "nhsd_2018" else row["performance"]
    return out


class Cells(HTMLParser):
    """Text of every ``<td>`` with the attributes ``keys``, by their values (the first such cell)."""

    def __init__(self, keys: tuple[str, ...]) -> None:
        super().__init__()
        self.keys, self.cells, self._open = keys, {}, None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "td" and all(k in a for k in self.keys):
            self._open = (tuple(a[k] for k in self.keys), [])

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._open is not None:
            self.cells.setdefault(self._open[0], "".join(self._open[1]).strip())  # the first table's
            self._open = None


def cells(html: str, *keys: str) -> dict[tuple, str]:
    parser = Cells(keys)
    parser.feed(html)
    return parser.cells


def number(text: str) -> float | None:
    """A cell's figure (``1,234``, ``75.0%``), or None for a withheld or empty one."""
    text = text.replace(",", "").replace("\u2212", "-")
    m = re.fullmatch(r"(-?[\d.]+)(%?)", text)
    if m is None:
        return None
    return float(m.group(1)) / (100 if m.group(2) else 1)


def assert_shown(shown: float | None, expected: float | None, where: str) -> None:
    if expected is None:
        assert shown is None, f"{where}: withheld, but {shown!r} is shown"
    else:
        assert shown is not None and shown == pytest.approx(expected, abs=5e-4), f"{where}: {shown!r} != {expected!r}"


@pytest.fixture(scope="module")
def truth(record_con) -> dict[str, dict]:
    """The unrounded provider rows of the league table's month."""
    rows = metrics(record_con, MetricQuery("fds", "provider", dataset="record", date_from=RECORD_MONTH))
    return {r["org_code"]: r for r in rows if r["period_start"] == RECORD_MONTH.isoformat()}


@pytest.fixture(scope="module")
def early_truth(record_con, shared_memo) -> dict:
    """The report's record-level rows (staging, early diagnosis, emergencies) before control."""
    reader = Reader(record_con, Disclosure(), shared_memo)
    year = next(y for y in annual_report(reader, REPORT_ORG, REPORT_YEAR).early_diagnosis["years"] if y["available"])
    assert year["year"] == REPORT_YEAR and year["early"]["total"] == 32 and year["early"]["within_standard"] == 16
    return year


VIEWERS = st.tuples(
    st.sampled_from(["none", "nhsd_2018", "threshold"]),
    st.integers(min_value=1, max_value=40),
    st.booleans(),  # public mode
    st.booleans(),  # signed in (a bearer token)
)


def check_web(client, signed_in: bool, policy: str, limit: int, truth: dict, access: bool) -> None:
    headers = AUTH if signed_in else {}
    responses = {
        "api": client.get("/api/v1/metrics", params={**LEAGUE, "limit": 1000}, headers=headers),
        "page": client.get("/league", params=LEAGUE, headers=headers),
        "json": client.get("/league", params={**LEAGUE, "format": "json"}, headers=headers),
        "csv": client.get("/league", params={**LEAGUE, "format": "csv"}, headers=headers),
        "xlsx": client.get("/league", params={**LEAGUE, "format": "xlsx"}, headers=headers),
    }
    if not access:  # refused: 404 on the public site, 401 without a token
        for name, r in responses.items():
            assert r.status_code == (404 if client.app.state.cancerwatch.public else 401), (name, r.status_code)
            assert "within_standard" not in r.text and "RBQ" not in r.text, name
        return
    assert all(r.status_code == 200 for r in responses.values()), {k: r.status_code for k, r in responses.items()}
    from openpyxl import load_workbook

    month = RECORD_MONTH.isoformat()
    api = {r["org_code"]: r for r in responses["api"].json()["rows"] if r["period_start"] == month}
    view = {r["org_code"]: r for r in responses["json"].json()["rows"]}
    table = {r["org_code"]: r for r in csv.DictReader(io.StringIO(responses["csv"].text))}
    sheet = list(load_workbook(io.BytesIO(responses["xlsx"].content)).active.iter_rows(values_only=True))
    header_at = next(i for i, row in enumerate(sheet) if row and row[0] == "period_start")
    header = sheet[header_at]
    workbook = {row[header.index("org_code")]: dict(zip(header, row, strict=False)) for row in sheet[header_at + 1 :]}
    page = cells(responses["page"].text, "data-org", "data-field")
    for code, row in truth.items():
        want = expected_row(row, policy, limit)
        for f, expected in want.items():
            where = f"{code} {f} ({policy}, {limit})"
            assert_shown(api[code][f], expected, "API " + where)
            assert_shown(view[code][f], expected, "JSON " + where)
            assert_shown(float(table[code][f]) if table[code][f] else None, expected, "CSV " + where)
            assert_shown(workbook[code][f], expected, "Excel " + where)
            assert_shown(number(page[(code, f)]), expected, "page " + where)
            withheld = expected is None and (f != "performance" or row[f] is not None)
            assert (f in api[code]["suppressed"]) is withheld, where
        # verdicts are those of the unrounded figures, withheld with the percentage
        assert api[code]["met"] == (None if want["performance"] is None else row["met"]), code


def check_report(record_con, shared_memo, disclosure: Disclosure, early_truth: dict, policy: str, limit: int) -> None:
    report = annual_report(Reader(record_con, disclosure, shared_memo), REPORT_ORG, REPORT_YEAR)
    html = render_html(report)
    shown = cells(html, "data-record", "data-year", "data-field")
    quarantine = [q for q in report.data_quality["quarantine"] if q["file_name"] == PATHWAY_FILE]
    if not disclosure.record_access:
        assert not report.early_diagnosis["available"] and not shown
        assert quarantine and all(q["reason"] == WITHHELD_REASON for q in quarantine)
        assert "2024-13-45" not in html
        return
    assert quarantine and all(q["reason"] != WITHHELD_REASON for q in quarantine)
    measures = {"staging": ("total", "performance"), "early": ("within_standard", "performance")}
    for measure, fields in measures.items():
        want = expected_row(early_truth[measure], policy, limit)
        for f in fields:
            assert_shown(number(shown[(measure, REPORT_YEAR, f)]), want[f], f"report {measure} {f} ({policy}, {limit})")
    pdf = html_to_pdf(html)
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    text = done.stdout.decode()
    # the chapters themselves, after the contents page that lists them
    starts = list(re.finditer(r"\d+\. Early diagnosis", text))
    ends = list(re.finditer(r"\d+\. Data quality", text))
    assert starts and ends, "the report's early diagnosis and data quality chapters"
    section = text[starts[-1].start() : ends[-1].start()]
    rows = [line for line in section.splitlines() if line.strip().startswith(REPORT_YEAR)]
    assert rows, section
    row = rows[0]
    html_row = [v for (m, y, _f), v in shown.items() if y == REPORT_YEAR]
    assert row.split()[1:] == html_row, (row, html_row)  # the PDF shows what the HTML shows


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(viewer=VIEWERS)
def test_no_withheld_value_reaches_any_output(viewer, record_db, record_con, shared_memo, truth, early_truth):
    policy, limit, public, signed_in = viewer
    options = {"suppression_policy": policy, "suppression_threshold": limit}
    access = signed_in and not public
    with make_client(record_db, public=public, **options) as client:
        check_web(client, signed_in, policy, limit, truth, access)
    disclosure = Disclosure.from_settings(Settings(**options), public=public, record_access=signed_in)
    check_report(record_con, shared_memo, disclosure, early_truth, policy, limit)
