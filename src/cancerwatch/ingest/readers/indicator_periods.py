"""Periods of indicator figures: parse the labels sources use, and label and bound stored periods.

Indicator figures come by month (workforce), NHS financial quarter or year (spend, referral
rates) or calendar year (screening coverage at 31 March, survey years, registration years).
Fingertips also publishes pooled periods ("2018 - 20", "2016/17 - 18/19"); they are recognised so
that a row can be refused with the right reason, but no catalogue indicator uses them.

Stored ``period_type`` values: ``month``, ``quarter`` (NHS financial, April–June = Q1),
``financial_year``, ``calendar_year``, and ``calendar_years_N`` / ``financial_years_N`` for pooled
periods of N years. ``period_start`` is the first day of the period.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from cancerwatch.periods import add_months, fy_label, quarter_of

_CAL_YEAR = re.compile(r"^(\d{4})$")
_FIN_YEAR = re.compile(r"^(\d{4})\s*[/-]\s*(\d{2})$")
_FIN_QUARTER = re.compile(r"^(\d{4})/(\d{2})\s+Q([1-4])$")
_POOLED_CAL = re.compile(r"^(\d{4})\s*-\s*(\d{2}|\d{4})$")
_POOLED_FIN = re.compile(r"^(\d{4})/(\d{2})\s*-\s*(\d{2})/(\d{2})$")
_MONTH_ISO = re.compile(r"^(\d{4})-(\d{2})(?:-01)?$")
MIN_YEAR, MAX_YEAR = 1990, 2100


class PeriodProblem(ValueError):
    """A period label that cannot be read; the message is the quarantine reason."""


def _year(y: int, label: str, column: str) -> int:
    if not MIN_YEAR <= y <= MAX_YEAR:
        raise PeriodProblem(f"{column} {label!r} is outside {MIN_YEAR}–{MAX_YEAR}")
    return y


def _next_year_suffix(start: int, suffix: str, label: str, column: str) -> None:
    if int(suffix) != (start + 1) % 100:
        raise PeriodProblem(f"{column} {label!r} is not a financial year (the years are not consecutive)")


def describe_period_type(period_type: str) -> str:
    """``calendar_year`` → ``calendar-year``; ``calendar_years_3`` → ``3-year pooled (calendar years)``."""
    base, _, years = period_type.rpartition("_")
    if base in ("calendar_years", "financial_years") and years.isdigit():
        return f"{years}-year pooled ({base.replace('_', ' ')})"
    return {"month": "monthly", "quarter": "quarterly"}.get(period_type, period_type.replace("_", "-"))


def parse_fingertips_period(label: str) -> tuple[str, date]:
    """``2022`` → calendar year; ``2022/23`` → financial year; ``2022/23 Q1`` → quarter;
    ``2018 - 20`` → 3 pooled calendar years; ``2016/17 - 18/19`` → 3 pooled financial years;
    ``Mar 2023`` → month. Returns ``(period_type, period_start)``."""
    text, col = " ".join(label.split()), "Time period"
    if m := _CAL_YEAR.match(text):
        return "calendar_year", date(_year(int(m.group(1)), label, col), 1, 1)
    if (m := _FIN_YEAR.match(text)) and "/" in text:
        _next_year_suffix(int(m.group(1)), m.group(2), label, col)
        return "financial_year", date(_year(int(m.group(1)), label, col), 4, 1)
    if m := _FIN_QUARTER.match(text):
        start = _year(int(m.group(1)), label, col)
        _next_year_suffix(start, m.group(2), label, col)
        return "quarter", add_months(date(start, 4, 1), 3 * (int(m.group(3)) - 1))
    if m := _POOLED_FIN.match(text):
        start = _year(int(m.group(1)), label, col)
        _next_year_suffix(int(m.group(3)) + start // 100 * 100, m.group(4), label, col)
        span = (int(m.group(3)) - start % 100) % 100 + 1
        return f"financial_years_{span}", date(start, 4, 1)
    if m := _POOLED_CAL.match(text):
        start = _year(int(m.group(1)), label, col)
        tail = m.group(2)
        end = int(tail) if len(tail) == 4 else start // 100 * 100 + int(tail)
        if end < start:
            end += 100
        return f"calendar_years_{end - start + 1}", date(start, 1, 1)
    try:
        d = datetime.strptime(text, "%b %Y").date()
    except ValueError:
        raise PeriodProblem(f"Time period {label!r} is not a recognised Fingertips period label") from None
    return "month", date(_year(d.year, label, col), d.month, 1)


def parse_financial_year(label: str, column: str) -> date:
    """``2012/13`` or ``2012-13`` (HM Treasury style) → 1 April 2012."""
    text = " ".join(label.split())
    m = _FIN_YEAR.match(text)
    if not m:
        raise PeriodProblem(f"{column} {label!r} is not a financial year (use e.g. 2012/13)")
    _next_year_suffix(int(m.group(1)), m.group(2), label, column)
    return date(_year(int(m.group(1)), label, column), 4, 1)


def parse_month(label: str, column: str) -> date:
    """``2024-03``, ``2024-03-01``, ``March 2024``, ``Mar 2024`` or ``Mar-24`` → 1 March 2024."""
    text = " ".join(label.split())
    if m := _MONTH_ISO.match(text):
        year, month = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12:
            return date(_year(year, label, column), month, 1)
    for fmt in ("%B %Y", "%b %Y", "%b-%y", "%d/%m/%Y"):
        try:
            d = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return date(_year(d.year, label, column), d.month, 1)
    raise PeriodProblem(f"{column} {label!r} is not a month (use e.g. 2024-03)")


def _span(period_type: str) -> int:
    """Months covered by a period type."""
    if period_type == "month":
        return 1
    if period_type == "quarter":
        return 3
    if period_type in ("financial_year", "calendar_year"):
        return 12
    base, _, years = period_type.rpartition("_")
    if base in ("calendar_years", "financial_years") and years.isdigit():
        return 12 * int(years)
    raise ValueError(f"unknown period type {period_type!r}")


def period_end(start: date, period_type: str) -> date:
    """Last day of the period that starts on ``start``."""
    return add_months(start, _span(period_type)) - timedelta(days=1)


def period_label(start: date, period_type: str) -> str:
    """``2022`` (calendar year), ``2022/23`` (financial year), ``2022/23 Q1``, ``2022-04``,
    ``2018 - 20`` (pooled calendar years), ``2016/17 - 18/19`` (pooled financial years)."""
    if period_type == "month":
        return f"{start.year:04d}-{start.month:02d}"
    if period_type == "calendar_year":
        return f"{start.year}"
    fy = start.year if start.month >= 4 else start.year - 1
    if period_type == "financial_year":
        return fy_label(fy)
    if period_type == "quarter":
        return f"{fy_label(fy)} Q{quarter_of(start)}"
    last = period_end(start, period_type)
    if period_type.startswith("calendar_years_"):
        return f"{start.year} - {last.year % 100:02d}"
    return f"{fy_label(fy)} - {fy_label(last.year - 1)[2:]}"
