"""How much work one file may ask of the loader: each cap is a setting (``config.py``).

Readers ask :func:`work_limits` for the caps in force. They come from the environment
(``CANCERWATCH_MAX_ROWS`` and the like), or from the settings of the process that started the
work: the web server passes its own to the child process that reads an upload
(:func:`limits_in_force`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from cancerwatch.config import Settings, load_settings


@dataclass(frozen=True)
class WorkLimits:
    """The caps on one file, with the environment variable that sets each (named in refusals)."""

    max_file_bytes: int
    max_uncompressed_bytes: int
    max_rows: int
    max_columns: int
    max_cells: int
    max_quarantined_rows: int

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkLimits:
        """The caps of ``settings``."""
        return cls(
            max_file_bytes=settings.max_file_bytes,
            max_uncompressed_bytes=settings.max_uncompressed_bytes,
            max_rows=settings.max_rows,
            max_columns=settings.max_columns,
            max_cells=settings.max_cells,
            max_quarantined_rows=settings.max_quarantined_rows,
        )


SETTING_OF = {
    "max_file_bytes": "CANCERWATCH_MAX_FILE_BYTES",
    "max_uncompressed_bytes": "CANCERWATCH_MAX_UNCOMPRESSED_BYTES",
    "max_rows": "CANCERWATCH_MAX_ROWS",
    "max_columns": "CANCERWATCH_MAX_COLUMNS",
    "max_cells": "CANCERWATCH_MAX_CELLS",
    "max_quarantined_rows": "CANCERWATCH_MAX_QUARANTINED_ROWS",
}

_in_force: ContextVar[WorkLimits | None] = ContextVar("cancerwatch_work_limits", default=None)


def work_limits() -> WorkLimits:
    """The caps in force: those set by :func:`limits_in_force`, else the environment's."""
    return _in_force.get() or WorkLimits.from_settings(load_settings())


@contextmanager
def limits_in_force(limits: WorkLimits) -> Iterator[None]:
    """Apply ``limits`` to every file read inside the block."""
    token = _in_force.set(limits)
    try:
        yield
    finally:
        _in_force.reset(token)


def over_limit(what: str, value: int | None, limit_name: str, limits: WorkLimits, unit: str = "") -> str:
    """The refusal text for ``value`` over the cap ``limit_name``, naming the setting that raises it.

    ``value`` ``None``: the count is not known in full (reading stopped at the limit).
    """
    limit = getattr(limits, limit_name)
    unit = f" {unit}" if unit else ""
    amount = f"{value:,}{unit}, over" if value is not None else "more than"
    return f"{what} {amount} the limit of {limit:,}{unit} (set {SETTING_OF[limit_name]} to change it)"
