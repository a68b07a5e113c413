"""The months Cancer Waiting Times figures can exist for (``data_window.toml``).

The national CWT series begins in October 2009 (NHS England, Cancer Waiting Times National Time
Series Oct 2009 – Sep 2023); a month that has not begun cannot have been published.
"""

from __future__ import annotations

import tomllib
from datetime import date
from functools import cache
from importlib import resources


@cache
def _window() -> dict:
    return tomllib.loads(resources.files("cancerwatch.catalogue").joinpath("data_window.toml").read_text("utf-8"))


def cwt_first_month() -> date:
    """The first month of the national CWT series."""
    return date.fromisoformat(_window()["cwt"]["first_month"])


def cwt_last_month(today: date | None = None) -> date:
    """The latest month CWT figures can be for: the month ``today`` is in."""
    today = today or date.today()
    return date(today.year, today.month, 1)


def outside_cwt_window(month: date, today: date | None = None) -> str | None:
    """Why ``month`` cannot hold CWT figures, or ``None`` when it can."""
    first, last = cwt_first_month(), cwt_last_month(today)
    if month < first:
        return f"is before {first:%B %Y}, when the national CWT series began"
    if month > last:
        return f"is a future month (after {last:%B %Y})"
    return None
