"""PDF from the report's HTML with WeasyPrint (print CSS: A4, page numbers, page breaks).

The PDF is tagged for accessibility as PDF/UA-1 (WeasyPrint's ``pdf/ua-1`` variant, available
since WeasyPrint 60): a structure tree of headings, paragraphs, lists and tables that screen
readers follow, the document language (``en-GB``) and its title from the HTML ``<title>``.
The report is printed from ``render_html(report, pdf=True)``: each chart is an ``<img>`` of its
SVG with its title as alternative text, tagged as a Figure with that ``Alt`` text.

WeasyPrint needs Debian's pango (``libpango-1.0-0``, ``libpangoft2-1.0-0``; scripts/install.sh
installs them). Fonts: Arial or Helvetica where installed, else Liberation Sans (Debian's
``fonts-liberation``, metric-compatible with Arial), else any sans-serif.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from cancerwatch.errors import CancerwatchError

PDF_VARIANT = "pdf/ua-1"
"""Tagged PDF for accessibility (ISO 14289-1), as WeasyPrint names it."""


class PdfUnavailable(CancerwatchError):
    """WeasyPrint or its system libraries are missing."""


def _weasyprint() -> Any:
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: pango missing
        raise PdfUnavailable(
            f"PDF output needs WeasyPrint and pango ({exc}); write .html instead or run scripts/install.sh"
        ) from None
    # WeasyPrint logs every unsupported CSS property at WARNING; keep the CLI quiet
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return weasyprint


def _fetcher(weasyprint: Any) -> Any:
    """A URL fetcher of ``data:`` URIs only (the charts, ``render_html(pdf=True)``): the report
    loads no other resource. WeasyPrint's own ``URLFetcher`` (68 on), else its older function."""
    if hasattr(weasyprint, "URLFetcher"):
        return weasyprint.URLFetcher(allowed_protocols=("data",))

    def fetch(url: str, *args: object, **kwargs: object) -> dict:
        if not url.startswith("data:"):
            raise ValueError(f"the report does not load external resources: {url}")
        return weasyprint.default_url_fetcher(url, *args, **kwargs)  # type: ignore[no-any-return]

    return fetch


def html_to_pdf(html: str) -> bytes:
    """The PDF bytes of an HTML document (no external resources are fetched, ``data:`` URIs are read)."""
    weasyprint = _weasyprint()
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=_fetcher(weasyprint))
    pdf: bytes = document.write_pdf(pdf_variant=PDF_VARIANT)
    return pdf


WARM_HTML = (
    '<!DOCTYPE html><html lang="en-GB"><head><title>warm</title>'
    "<style>body { font-family: Arial, Helvetica, 'Liberation Sans', sans-serif; }</style></head>"
    "<body><h1>Warm</h1><p>A <strong>tagged</strong> page.</p>"
    "<table><tr><th>a</th><td>1</td></tr></table></body></html>"
)


def warm() -> None:
    """Import WeasyPrint and print one small tagged page: the first PDF of a process otherwise pays
    for the import, fontconfig and pango's font set-up and the default stylesheets (one to two
    seconds), which a server does before its first report. Does nothing without WeasyPrint."""
    try:
        html_to_pdf(WARM_HTML)
    except PdfUnavailable:
        return


def write_pdf(html: str, out: Path) -> None:
    """Write the PDF of ``html`` to ``out``."""
    out.write_bytes(html_to_pdf(html))
