"""One settings object, read once from the environment.

Each setting has a default and help text; ``cancerwatch settings`` prints them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from cancerwatch.errors import UsageError

DEFAULT_DB = "cancerwatch.duckdb"
MIB = 1024 * 1024
#: Shortest accepted API token: a guessable token would open uploads and record-level figures.
MIN_TOKEN_LENGTH = 16
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
            "help": f"bearer token for uploads and record-level views (at least {MIN_TOKEN_LENGTH} characters)",
        },
    )
    max_file_bytes: int = field(
        default=512 * MIB,
        metadata={
            "env": "CANCERWATCH_MAX_FILE_BYTES",
            "help": "largest file accepted by load or upload, in bytes (a monthly national extract is a few MB)",
        },
    )
    max_uncompressed_bytes: int = field(
        default=256 * MIB,
        metadata={
            "env": "CANCERWATCH_MAX_UNCOMPRESSED_BYTES",
            "help": "largest total size of the parts of an xlsx workbook once decompressed, in bytes",
        },
    )
    max_rows: int = field(
        default=2_000_000,
        metadata={"env": "CANCERWATCH_MAX_ROWS", "help": "most rows read from one sheet or CSV file"},
    )
    max_columns: int = field(
        default=1_000,
        metadata={"env": "CANCERWATCH_MAX_COLUMNS", "help": "most columns read from one sheet or CSV file"},
    )
    max_cells: int = field(
        default=20_000_000,
        metadata={
            "env": "CANCERWATCH_MAX_CELLS",
            "help": "most cells (rows × columns, as the sheet's extent declares or its cells reach) in one sheet",
        },
    )
    max_quarantined_rows: int = field(
        default=10_000,
        metadata={
            "env": "CANCERWATCH_MAX_QUARANTINED_ROWS",
            "help": "most rows one file may have quarantined; a file with more is refused as the wrong file",
        },
    )
    max_upload_bytes: int = field(
        default=200 * MIB,
        metadata={"env": "CANCERWATCH_MAX_UPLOAD_BYTES", "help": "largest upload request body, in bytes"},
    )
    upload_memory_bytes: int = field(
        default=4096 * MIB,
        metadata={
            "env": "CANCERWATCH_UPLOAD_MEMORY_BYTES",
            "help": "address-space limit (RLIMIT_AS) of the child process that reads uploaded files, in bytes",
        },
    )
    upload_seconds: int = field(
        default=300,
        metadata={
            "env": "CANCERWATCH_UPLOAD_SECONDS",
            "help": "time limit of the child process that reads uploaded files, in seconds",
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
    for f in fields(Settings):
        if isinstance(f.default, int) and f.name in values:
            values[f.name] = _whole_number(f.metadata["env"], values[f.name])
    return Settings(**values)  # type: ignore[arg-type]


def _whole_number(env: str, value: object) -> int:
    """A setting that must be a positive whole number (``UsageError`` naming the variable if not)."""
    text = str(value).strip()
    if not text.isascii() or not text.isdigit():
        raise UsageError(f"{env} must be a whole number, not {text[:40]!r}")
    number = int(text)
    if number < 1:
        raise UsageError(f"{env} must be at least 1, not {number}")
    return number
