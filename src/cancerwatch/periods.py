"""NHS financial periods: months, quarters (April–June = Q1) and years (April to March).

``period_start`` is the ISO date of the first day of the period; ``period_label`` follows the
CLI contract: ``2023-04`` (month), ``2023/24 Q1`` (quarter), ``2023/24`` (financial year).
"""

from __future__ import annotations

import re
from datetime import date

from cancerwatch.errors import UsageError

PERIOD_TYPES = ("month", "quarter", "year")
MIN_YEAR, MAX_YEAR = 1990, 2100  # the range of dates cancerwatch accepts in requests
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
MONTH_ABBR = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def financial_year_start(d: date) -> int:
    """Return the calendar year in which ``d``'s financial year starts (April)."""
    return d.year if d.month >= 4 else d.year - 1


def fy_label(start_year: int) -> str:
    """``2023`` → ``2023/24``."""
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def quarter_of(d: date) -> int:
    """Financial quarter 1–4 of a date (Q1 = April to June)."""
    return ((d.month - 4) % 12) // 3 + 1


def period_start(d: date, period: str) -> date:
    """First day of the month, financial quarter or financial year containing ``d``."""
    if period == "month":
        return date(d.year, d.month, 1)
    if period == "quarter":
        first_month = d.month - ((d.month - 4) % 3)
        return date(d.year, first_month, 1)
    if period == "year":
        return date(financial_year_start(d), 4, 1)
    raise UsageError(f"unknown period {period!r}: use one of {', '.join(PERIOD_TYPES)}")


def month_name(d: date) -> str:
    """``2023-09-01`` → ``September 2023``: the one way pages and reports write a month."""
    return f"{MONTH_NAMES[d.month - 1]} {d.year}"


def display_label(start: date, period: str) -> str:
    """Label of a period for people: ``September 2023``, ``2023/24 Q1`` or ``2023/24``."""
    return month_name(start) if period == "month" else period_label(start, period)


def period_label(start: date, period: str) -> str:
    """Label of the period starting on ``start`` (see module docstring)."""
    if period == "month":
        return f"{start.year:04d}-{start.month:02d}"
    fy = fy_label(financial_year_start(start))
    if period == "quarter":
        return f"{fy} Q{quarter_of(start)}"
    if period == "year":
        return fy
    raise UsageError(f"unknown period {period!r}: use one of {', '.join(PERIOD_TYPES)}")


_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str) -> date:
    """Parse ``YYYY-MM`` into the first day of that month; raise UsageError otherwise."""
    m = _MONTH_RE.match(text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or not MIN_YEAR <= int(m.group(1)) <= MAX_YEAR:
        raise UsageError(f"{text!r} is not a month: use YYYY-MM between {MIN_YEAR} and {MAX_YEAR}, e.g. 2023-04")
    return date(int(m.group(1)), int(m.group(2)), 1)


def parse_fy(text: str) -> date:
    """Parse ``2023/24`` (or ``2023``) into 1 April of that financial year."""
    m = re.match(r"^(\d{4})(?:/(\d{2}))?$", text.strip())
    if not m or not MIN_YEAR <= int(m.group(1)) <= MAX_YEAR:
        raise UsageError(f"{text!r} is not a financial year: use e.g. 2023/24")
    start = int(m.group(1))
    if m.group(2) and int(m.group(2)) != (start + 1) % 100:
        raise UsageError(f"{text!r} is not a financial year: use e.g. 2023/24")
    return date(start, 4, 1)


def add_months(d: date, n: int) -> date:
    """Shift the first-of-month date ``d`` by ``n`` months."""
    idx = d.year * 12 + (d.month - 1) + n
    return date(idx // 12, idx % 12 + 1, 1)


def months_between(start: date, end: date) -> list[date]:
    """Every first-of-month from ``start`` to ``end`` inclusive."""
    out, cur = [], date(start.year, start.month, 1)
    while cur <= end:
        out.append(cur)
        cur = add_months(cur, 1)
    return out
