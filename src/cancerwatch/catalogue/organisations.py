"""Organisation reference data cancerwatch maintains itself (no public file maps these):

- ``alliances.csv``: the 21 Cancer Alliances of 2023 (code, name, region).
- ``icb_alliance.csv``: ICB → Alliance, used for sub-ICB locations and for providers by their ICB.
- ``sub_icb_alliance_overrides.csv``: sub-ICB locations in a different Alliance from their ICB
  (Bassetlaw).
- ``provider_alliance_overrides.csv``: trusts in a different Alliance from their ICB (Harrogate).
- ``commissioning_hubs.csv``: NHS England commissioning hubs, which belong to no ICB or Alliance.

Source: docs/cwt-rules.md, organisation history; docs/methods.md, Cancer Alliances; confidence per row in the files.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

LEVELS = ("national", "region", "alliance", "icb", "sub_icb", "provider")
PROVIDER_LEVELS = ("national", "region", "alliance", "icb", "provider")
COMMISSIONER_LEVELS = ("national", "region", "alliance", "icb", "sub_icb")
ORG_LEVELS = ("region", "alliance", "icb", "sub_icb", "provider")
NATIONAL_CODE = "ENG"
NATIONAL_NAME = "England"
NATIONAL_ONS_CODE = "E92000001"
UNMAPPED_CODE = "UNMAPPED"
UNMAPPED_NAMES = {
    "provider": "Not mapped",
    "icb": "Not mapped to an ICB (independent sector, hubs, unknown)",
    "sub_icb": "Not mapped to a sub-ICB location (hubs, unknown, ICB-level rows)",
    "alliance": "Not mapped to a Cancer Alliance (independent sector, hubs, unknown)",
    "region": "Not mapped to a region (independent sector, hubs, unknown)",
}
"""Name of the ``UNMAPPED`` row at each level: figures of organisations with no parent there."""
LEVEL_LABELS = {
    "national": "England",
    "region": "NHS England region",
    "alliance": "Cancer Alliance",
    "icb": "integrated care board",
    "sub_icb": "sub-ICB location",
    "provider": "provider",
}
"""An organisation's level in running text ("a Cancer Alliance", "a provider")."""
LEVEL_NAMES = {
    "national": "England",
    "region": "NHS England region",
    "alliance": "Cancer Alliance",
    "icb": "Integrated care board",
    "sub_icb": "Sub-ICB location",
    "provider": "Provider (NHS trust)",
}
"""An organisation's level as a heading or table label."""
LEVEL_PLURALS = {
    "national": "England",
    "region": "Regions",
    "alliance": "Cancer Alliances",
    "icb": "Integrated care boards",
    "sub_icb": "Sub-ICB locations",
    "provider": "Providers",
}
"""Organisations of a level, as a heading."""
PEER_LABELS = {
    "alliance": "Cancer Alliances",
    "region": "regions",
    "icb": "ICBs",
    "sub_icb": "sub-ICB locations",
    "provider": "providers",
}
"""Peers of an organisation of a level, in running text."""


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
