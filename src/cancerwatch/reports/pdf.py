"""PDF from the report's HTML with WeasyPrint (print CSS: A4, page numbers, page breaks).

The PDF is tagged for accessibility as PDF/UA-1 (WeasyPrint's ``pdf/ua-1`` variant, available
since WeasyPrint 60): a structure tree of headings, paragraphs, lists and tables that screen
readers follow, the document language (``en-GB``) and its title from the HTML ``<title>``.

WeasyPrint needs Debian's pango (``libpango-1.0-0``, ``libpangoft2-1.0-0``; scripts/install.sh
installs them). Fonts: Arial or Helvetica where installed, else Liberation Sans (Debian's
``fonts-liberation``, metric-compatible with Arial), else any sans-serif.
"""

from __future__ import annotations

import logging
from pathlib import Path

from cancerwatch.errors import CancerwatchError

PDF_VARIANT = "pdf/ua-1"
"""Tagged PDF for accessibility (ISO 14289-1), as WeasyPrint names it."""


class PdfUnavailable(CancerwatchError):
    """WeasyPrint or its system libraries are missing."""


def html_to_pdf(html: str) -> bytes:
    """The PDF bytes of an HTML document (no external resources are fetched)."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: pango missing
        raise PdfUnavailable(
            f"PDF output needs WeasyPrint and pango ({exc}); write .html instead or run scripts/install.sh"
        ) from None
    # WeasyPrint logs every unsupported CSS property at WARNING; keep the CLI quiet
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return HTML(string=html, base_url=None, url_fetcher=_no_fetch).write_pdf(pdf_variant=PDF_VARIANT)


def _no_fetch(url: str, *args: object, **kwargs: object) -> dict:
    """Refuse every external fetch: the report is self-contained (inline SVG and CSS)."""
    raise ValueError(f"the report does not load external resources: {url}")


def write_pdf(html: str, out: Path) -> None:
    """Write the PDF of ``html`` to ``out``."""
    out.write_bytes(html_to_pdf(html))
