"""``/report/{level}/{code}.{html|pdf}``: the annual progress report of any organisation page.

The same report as ``cancerwatch report``; on the public site it is always built with
small-number suppression.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, Response

from cancerwatch.api.deps import Con, State
from cancerwatch.periods import parse_fy
from cancerwatch.reports import build_report, render_html

router = APIRouter()
Code = Annotated[str, Path(max_length=20, pattern=r"^[A-Za-z0-9-]+$")]
Level = Literal["national", "region", "alliance", "icb", "sub_icb", "provider"]


@router.get("/report/{level}/{code}.{fmt}")
def annual_report(
    state: State,
    con: Con,
    level: Level,
    code: Code,
    fmt: Literal["html", "pdf"],
    year: Annotated[str, Query(pattern=r"^\d{4}/\d{2}$", description="financial year, e.g. 2023/24")] = "2023/24",
) -> Response:
    """The annual report as a self-contained HTML page or a PDF download."""
    parse_fy(year)
    context = build_report(con, code.upper(), year, public=state.public, level=None if level == "national" else level)
    html = render_html(context)
    name = f"cancerwatch-report-{code.upper()}-{year.replace('/', '-')}"
    if fmt == "html":
        return HTMLResponse(html)
    from cancerwatch.reports.pdf import html_to_pdf

    return Response(
        html_to_pdf(html),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
    )
