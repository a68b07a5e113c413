"""Download a month's published CWT extracts from NHS England, then hand them to the loader.

NHS England publishes each month's provider and ICB sub-location extracts as
``CWT-CRS-<Mon>-<YYYY>-Data-Extract-Provider.xlsx`` and
``CWT-CRS-<Mon>-<YYYY>-Data-Extract-ICB-Sub-Location.xlsx`` under its statistics uploads,
in a folder named after the publication month (about six weeks after the data month). Both
the base URL and the file-name patterns are settings, because the site's layout changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx

from cancerwatch.errors import FetchError
from cancerwatch.periods import add_months

FILE_PATTERNS = (
    "CWT-CRS-{mon}-{yyyy}-Data-Extract-Provider.xlsx",
    "CWT-CRS-{mon}-{yyyy}-Data-Extract-ICB-Sub-Location.xlsx",
)
PUBLICATION_LAG_MONTHS = 2  # data for October are published in December
TIMEOUT_SECONDS = 60.0
MAX_DOWNLOAD_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class Download:
    """One downloaded file."""

    url: str
    path: Path
    size: int


def urls_for(month: date, base_url: str, patterns: tuple[str, ...] = FILE_PATTERNS) -> list[str]:
    """The URLs of a data month's extracts: ``base_url`` may use {year} and {month2} of the
    publication month; patterns use {mon} (``Oct``) and {yyyy} of the data month."""
    published = add_months(month, PUBLICATION_LAG_MONTHS)
    base = base_url.format(year=published.year, month2=f"{published.month:02d}")
    if not base.endswith("/"):
        base += "/"
    mon = month.strftime("%b")
    return [base + p.format(mon=mon, yyyy=month.year) for p in patterns]


def download(urls: list[str], folder: Path, *, client: httpx.Client | None = None) -> list[Download]:
    """Download every URL into ``folder``; FetchError with a clear reason on the first failure."""
    folder.mkdir(parents=True, exist_ok=True)
    own = client is None
    client = client or httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=True)
    out = []
    try:
        for url in urls:
            target = folder / url.rsplit("/", 1)[-1]
            try:
                with client.stream("GET", url) as resp:
                    if resp.status_code == 404:
                        raise FetchError(f"not published yet (or moved): {url} returned 404")
                    if resp.status_code >= 400:
                        raise FetchError(f"{url} returned HTTP {resp.status_code}")
                    size = 0
                    with target.open("wb") as fh:
                        for chunk in resp.iter_bytes():
                            size += len(chunk)
                            if size > MAX_DOWNLOAD_BYTES:
                                raise FetchError(f"{url} is larger than {MAX_DOWNLOAD_BYTES:,} bytes")
                            fh.write(chunk)
            except httpx.TransportError as exc:
                raise FetchError(f"cannot reach {url} (offline? {type(exc).__name__})") from None
            out.append(Download(url, target, size))
    finally:
        if own:
            client.close()
    return out
