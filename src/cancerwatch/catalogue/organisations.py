"""Organisation reference data cancerwatch maintains itself (no public file maps these):

- ``alliances.csv``: the 21 Cancer Alliances of 2023 (code, name, region).
- ``icb_alliance.csv``: ICB → Alliance, used for sub-ICB locations and for providers by their ICB.
- ``sub_icb_alliance_overrides.csv``: sub-ICB locations in a different Alliance from their ICB
  (Bassetlaw).
- ``provider_alliance_overrides.csv``: trusts in a different Alliance from their ICB (Harrogate).
- ``commissioning_hubs.csv``: NHS England commissioning hubs, which belong to no ICB or Alliance.

Source: domain brief 5.2–5.3; confidence per row in the files.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

LEVELS = ("national", "region", "alliance", "icb", "sub_icb", "provider")
PROVIDER_LEVELS = ("national", "region", "alliance", "icb", "provider")
COMMISSIONER_LEVELS = ("national", "region", "alliance", "icb", "sub_icb")
NATIONAL_CODE = "ENG"
NATIONAL_NAME = "England"
UNMAPPED_CODE = "UNMAPPED"


@cache
def packaged_rows(name: str) -> tuple[dict[str, str], ...]:
    """Rows of a packaged catalogue CSV as dicts."""
    text = resources.files("cancerwatch.catalogue").joinpath(name).read_text("utf-8")
    return tuple(csv.DictReader(text.splitlines()))


def default_basis(level: str) -> str:
    """The CLI contract's default basis for a level: commissioner for sub_icb/icb, else provider."""
    return "commissioner" if level in ("sub_icb", "icb") else "provider"


def levels_for_basis(basis: str) -> tuple[str, ...]:
    """Levels that a basis can be aggregated to."""
    return PROVIDER_LEVELS if basis == "provider" else COMMISSIONER_LEVELS
