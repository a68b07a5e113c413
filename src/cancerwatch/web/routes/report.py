"""``/report/{level}/{code}.{html|pdf|json}``: the annual progress report of any organisation page.

The same report as ``cancerwatch report``, for the viewer: figures computed from record-level
pathways only for a signed-in viewer (never on the public site), as the JSON API does.

An Alliance's report for its default year, asked for by a viewer who is not signed in, is sent as
printed at load time when there is one (``reports.preprinted``). Otherwise the built HTML and PDF
are kept per organisation, year, viewer (its disclosure policy) and warehouse version (the server's
result memo), so a second request is answered at once and a load makes them be built afresh. A PDF
is printed from the same report, its charts as images (``render_html(pdf=True)``), in a worker
process when the server has started them (``reports.workers``), watched from a background thread:
when it is not ready within a second the answer is a "Preparing the PDF" page (202) that checks
again every two seconds and gets the download once it is ready.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as NotReady
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from cancerwatch.http import ReaderDep
from cancerwatch.periods import parse_fy
from cancerwatch.read.context import Reader
from cancerwatch.read.report import AnnualReport, annual_report, latest_report_year
from cancerwatch.reports import render_html, workers
from cancerwatch.reports.preprinted import json_url, report_key, report_path
from cancerwatch.warehouse.prepared import find_report
from cancerwatch.web.pages import render, view_json

router = APIRouter()
Code = Annotated[str, Path(max_length=20, pattern=r"^[A-Za-z0-9-]+$")]
Level = Literal["national", "region", "alliance", "icb", "sub_icb", "provider"]
PDF_WAIT_S = 1.0
"""How long a PDF request waits for the drawing before it answers with the progress page."""
REFRESH_S = 2
PDF_JOBS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cancerwatch-pdf")


@router.get("/report/{level}/{code}.{fmt}")
def report_page(
    request: Request,
    reader: ReaderDep,
    level: Level,
    code: Code,
    fmt: Literal["html", "pdf", "json"],
    year: Annotated[
        str | None,
        Query(pattern=r"^\d{4}/\d{2}$", description="financial year, e.g. 2024/25; default: the latest complete one"),
    ] = None,
) -> Response:
    """The annual report as a self-contained HTML page, a PDF download, or its JSON."""
    if year is None:
        year = latest_report_year(reader, level, code.upper())
    parse_fy(year)
    key = (level, code.upper(), year, reader.disclosure)

    def report() -> AnnualReport:
        return annual_report(reader, code.upper(), year, level=None if level == "national" else level)

    if fmt == "json":
        return view_json(reader.memo(("report", *key), report))
    stem = report_path(level, code)
    name = f"cancerwatch-report-{code.upper()}-{year.replace('/', '-')}"
    printed = _printed(reader, level, code, year, fmt)
    if printed is not None:
        return HTMLResponse(printed) if fmt == "html" else _download(printed, name)
    html = reader.memo(
        ("report-html", *key),
        lambda: render_html(reader.memo(("report", *key), report), json_url=json_url(level, code, year)),
    )
    if fmt == "html":
        return HTMLResponse(html)
    built = reader.memo(("report", *key), report)  # its charts drawn for the HTML above

    def print_pdf() -> bytes:
        return workers.print_pdf(render_html(built, pdf=True))

    job = reader.memo(("report-pdf", *key), lambda: PDF_JOBS.submit(print_pdf))
    try:
        document = job.result(timeout=PDF_WAIT_S)
    except NotReady:
        return render(
            request,
            "report_progress.html",
            status_code=202,
            page_title="Preparing the PDF",
            name=built.org.name,
            year=year,
            refresh=REFRESH_S,
            html_url=f"{stem}.html?year={year}",
        )
    return _download(document, name)


def _download(document: bytes, name: str) -> Response:
    return Response(
        document,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
    )


def _printed(reader: Reader, level: str, code: str, year: str, fmt: str) -> bytes | None:
    """The report printed at load time for this viewer (``reports.preprinted``), if there is one."""
    if reader.disclosure.record_access:  # a signed-in viewer's report is built for them
        return None
    key = report_key(level, code, year, reader.disclosure)
    return reader.memo(("report-printed", key, fmt), lambda: find_report(reader.con, key, fmt))
