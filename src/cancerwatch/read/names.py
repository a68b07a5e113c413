"""Organisation names for people: NHS England's files give some trust names in capitals.

``MANCHESTER UNIVERSITY NHS FOUNDATION TRUST`` becomes ``Manchester University NHS Foundation
Trust``: words title-cased, NHS acronyms kept in capitals and short joining words in lower case,
as NHS England writes the names in its own publications (for example the ODS names in
"Cancer Waiting Times" monthly provider workbooks). Names already in mixed case are left alone.
"""

from __future__ import annotations

import re

ACRONYMS = frozenset(
    {"NHS", "ICB", "ICS", "CCG", "UK", "GP", "HQ", "II", "III", "IV", "PCT", "CIC", "LLP", "LTD", "PLC", "UCL", "UCLH"}
)
LOWER = frozenset({"and", "of", "the", "for", "in", "on", "at", "with", "upon", "by", "to"})
_WORD = re.compile(r"[A-Za-z][A-Za-z']*")


def _word(match: re.Match[str], first: bool) -> str:
    word = match.group(0)
    upper = word.upper()
    if upper in ACRONYMS:
        return upper if upper not in ("LTD",) else "Ltd"
    lower = word.lower()
    if lower in LOWER and not first:
        return lower
    if "'" in lower:  # KING'S → King's
        head, _, tail = lower.partition("'")
        return f"{head.capitalize()}'{tail}"
    return lower.capitalize()


def nhs_title(name: str | None) -> str | None:
    """``name`` in title case when it is all capitals (see the module docstring), else unchanged."""
    if not name or name != name.upper() or not any(c.isalpha() for c in name) or " " not in name.strip():
        return name
    out, last = [], 0
    for i, m in enumerate(_WORD.finditer(name)):
        out.append(name[last : m.start()])
        out.append(_word(m, first=i == 0 or name[last : m.start()].strip() in ("(", "-", "–")))
        last = m.end()
    out.append(name[last:])
    return "".join(out)


def titled(rows: list[dict]) -> list[dict]:
    """``rows`` with ``org_name`` for people (new dicts)."""
    return [{**r, "org_name": nhs_title(r.get("org_name"))} for r in rows]
