"""NHS Workforce Statistics main staff groups (``workforce_staff_groups.csv``).

Each group has the name NHS England publishes and its parent group (a consultant is one of the
HCHS doctors, who are professionally qualified clinical staff, who are part of the total), so
that FTE sums can be checked and tables shown in the published order. Source: NHS England, NHS
Workforce Statistics, "England and Organisation" main staff group tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from cancerwatch.catalogue.organisations import packaged_rows


@dataclass(frozen=True)
class StaffGroup:
    """A main staff group as NHS Workforce Statistics publishes it."""

    id: str
    published_name: str
    parent: str | None


@cache
def staff_groups() -> dict[str, StaffGroup]:
    """The main staff groups by id, in published order."""
    return {
        r["staff_group"]: StaffGroup(r["staff_group"], r["published_name"], r["parent"] or None)
        for r in packaged_rows("workforce_staff_groups.csv")
    }


def staff_group_name(group_id: str) -> str:
    """The published name of a staff group id."""
    return staff_groups()[group_id].published_name
