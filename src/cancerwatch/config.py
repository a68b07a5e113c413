"""One settings object, read once from the environment.

Each setting has a default and help text; ``cancerwatch settings`` prints them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

DEFAULT_DB = "cancerwatch.duckdb"
DEFAULT_FETCH_BASE_URL = "https://www.england.nhs.uk/statistics/wp-content/uploads/sites/2/{year}/{month2}/"


@dataclass(frozen=True)
class Settings:
    """cancerwatch settings (environment variable in brackets)."""

    db_path: Path = field(
        default=Path(DEFAULT_DB),
        metadata={"env": "CANCERWATCH_DB", "help": "DuckDB warehouse file"},
    )
    fetch_base_url: str = field(
        default=DEFAULT_FETCH_BASE_URL,
        metadata={
            "env": "CANCERWATCH_FETCH_BASE_URL",
            "help": "base URL of NHS England's CWT uploads; {year} and {month2} are filled in",
        },
    )
    suppression_policy: str = field(
        default="none",
        metadata={
            "env": "CANCERWATCH_SUPPRESSION",
            "help": "small-number disclosure policy for public outputs: none | nhsd_2018 | threshold",
        },
    )
    suppression_threshold: int = field(
        default=8,
        metadata={
            "env": "CANCERWATCH_SUPPRESSION_THRESHOLD",
            "help": "with the threshold policy: counts below this are suppressed",
        },
    )
    api_token: str | None = field(
        default=None,
        metadata={
            "env": "CANCERWATCH_API_TOKEN",
            "help": "bearer token required for uploads and record-level views",
        },
    )


def load_settings(**overrides: object) -> Settings:
    """Return settings from the environment, then explicit overrides (``None`` = keep)."""
    values: dict[str, object] = {}
    for f in fields(Settings):
        env = os.environ.get(f.metadata["env"])
        if env not in (None, ""):
            values[f.name] = env
    for name, value in overrides.items():
        if value is not None:
            values[name] = value
    if "db_path" in values:
        values["db_path"] = Path(str(values["db_path"]))
    if "suppression_threshold" in values:
        values["suppression_threshold"] = int(str(values["suppression_threshold"]))
    return Settings(**values)  # type: ignore[arg-type]
