"""Where the dashboard shows a view: the paths the read layer's entries link to.

The paths are those of the web pages (``/alliance/CODE``, ``/org/LEVEL/CODE``, ``/`` for England,
``/data#revisions``), so that an entry in a JSON response or a CLI table names the page that
shows it.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

REVISIONS_PAGE = "/data#revisions"
"""The data page's table of revised months."""


def organisation_page(level: str, code: str, standard: str | None = None) -> str:
    """The page of one organisation (on one headline standard): ``/`` for England."""
    if level == "national":
        return "/"
    path = f"/alliance/{quote(code)}" if level == "alliance" else f"/org/{quote(level)}/{quote(code)}"
    return path if standard is None else f"{path}?{urlencode({'standard': standard})}"
