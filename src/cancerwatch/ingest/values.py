"""Parsing of cell values shared by every reader, each failure with a reason a person can act on."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta

from cancerwatch.periods import MONTH_ABBR

EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0 in the 1900 date system (Lotus leap-year bug)
MAX_COUNT = 10_000_000  # no single CWT cell comes near this; larger values are keying errors
MAX_TEXT = 200  # longest published label is under 80 characters
ORG_CODE_RE = r"^[A-Z0-9]{2,10}$"  # ODS codes (3-5 characters) and UNKNOWN


# ASCII digits only (``float`` would also take Arabic-Indic digits and underscores), with
# thousands separators only in groups of three: ``1,234`` is a number, ``1,2,3,4`` is not.
_NUMBER = re.compile(r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_NOT_FINITE = ("nan", "inf", "infinity")


class ValueProblem(ValueError):
    """A cell that cannot be read; the message is the reason stored in quarantine."""


def parse_number(text: object, column: str) -> float:
    """A number written with ASCII digits, an optional sign, decimal part, exponent and thousands separators."""
    s = str(text).strip()
    if s.lower().lstrip("+-") in _NOT_FINITE:
        raise ValueProblem(f"{column} {s!r} is not a finite number")
    if not _NUMBER.fullmatch(s):
        raise ValueProblem(f"{column} {s[:40]!r} is not a number")
    return float(s.replace(",", ""))


def parse_count(text: object, column: str) -> float:
    """A patient count: finite, ≥ 0, a whole or half number (shared 62-day pathways count ½).

    Source: NHS England, CWT guidance (a pathway shared between two providers counts half to each,
    so published 62-day figures hold half patients).
    """
    if text is None or (isinstance(text, str) and not text.strip()):
        raise ValueProblem(f"{column} is empty")
    value = parse_number(text, column)
    if not math.isfinite(value):
        raise ValueProblem(f"{column} {text!r} is not a finite number")
    if value < 0:
        raise ValueProblem(f"{column} {value:g} is negative")
    if value > MAX_COUNT:
        raise ValueProblem(f"{column} {value:g} is implausibly large (over {MAX_COUNT:,})")
    if value * 2 != int(value * 2):
        raise ValueProblem(f"{column} {value:g} is not a whole or half patient count")
    return value


def check_counts(total: float, within: float, breaches: float) -> str | None:
    """The reason a (total, within, breaches) triple is inconsistent, or None when it is fine."""
    if within > total:
        return f"WITHIN STANDARD {within:g} exceeds TOTAL {total:g}"
    if breaches != total - within:
        return f"BREACHES {breaches:g} is not TOTAL − WITHIN STANDARD ({total - within:g})"
    return None


_ISO_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")


def parse_month_cell(text: object, column: str) -> date:
    """A period cell: an ISO date (first of month) or an Excel date serial; returns the month."""
    if text is None or not str(text).strip():
        raise ValueProblem(f"{column} is empty")
    s = str(text).strip()
    if not s.isascii():  # ``\d`` and ``strptime`` would read Arabic-Indic and other digits
        raise ValueProblem(f"{column} {s[:40]!r} is not a date")
    m = _ISO_RE.match(s)
    if m:
        try:
            d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            raise ValueProblem(f"{column} {s!r} is not a valid date") from None
    else:
        try:
            serial = float(s)
        except ValueError:
            for fmt in ("%d/%m/%Y", "%b-%y", "%b %Y", "%B %Y"):
                try:
                    d = datetime.strptime(s, fmt).date()
                    break
                except ValueError:
                    continue
            else:
                raise ValueProblem(f"{column} {s[:40]!r} is not a date") from None
        else:
            if not 1 <= serial < 2958466:
                raise ValueProblem(f"{column} {s!r} is not a date")
            d = EXCEL_EPOCH + timedelta(days=int(serial))
    if not date(2000, 1, 1) <= d <= date(2100, 1, 1):
        raise ValueProblem(f"{column} {d.isoformat()} is outside the range of CWT data")
    return date(d.year, d.month, 1)


_FINANCIAL_YEAR = re.compile(r"([0-9]{4})/([0-9]{2})")


def financial_month(year_text: str, month_text: str) -> date:
    """The month named by an extract's YEAR (``2023/24``) and MONTH (``APR``) cells."""
    fy = _FINANCIAL_YEAR.fullmatch(year_text.strip())
    if not fy or int(fy.group(2)) != (int(fy.group(1)) + 1) % 100:
        raise ValueProblem(f"YEAR {year_text[:20]!r} is not a financial year written like 2023/24")
    abbr = month_text.strip().upper()[:3]
    if abbr not in MONTH_ABBR:
        raise ValueProblem(f"MONTH {month_text[:20]!r} is not a month")
    return month_from_fy(abbr, int(fy.group(1)))


def month_from_fy(month_abbr: str, fy_start_year: int) -> date:
    """``JUL`` of financial year 2023/24 → 2023-07-01; ``JAN`` of 2023/24 → 2024-01-01."""
    idx = MONTH_ABBR.index(month_abbr.upper()[:3]) + 1
    return date(fy_start_year if idx >= 4 else fy_start_year + 1, idx, 1)


def check_org_code(code: str, column: str) -> str:
    """An organisation code: ODS codes are 3–5 letters and digits; ``UNKNOWN`` is published too.

    Anything else (spaces, punctuation, formulas such as ``=CMD(...)``) is a keying error or an
    injection attempt and is rejected.
    """
    if not code:
        raise ValueProblem(f"{column} is empty")
    if not re.fullmatch(ORG_CODE_RE, code):
        raise ValueProblem(f"{column} {code[:40]!r} is not an organisation code (letters and digits only)")
    return code


def check_text(text: str, column: str) -> str:
    """A label no longer than :data:`MAX_TEXT` characters."""
    if len(text) > MAX_TEXT:
        raise ValueProblem(f"{column} is longer than {MAX_TEXT} characters")
    return text


def clean(text: object) -> str:
    """A cell as trimmed text ('' for empty)."""
    return "" if text is None else str(text).strip()
