"""One exception hierarchy for cancerwatch.

Front ends translate these: the CLI to exit code 2 with one line on stderr, the API to a
JSON error envelope, the web layer to a friendly page.
"""

from __future__ import annotations


class CancerwatchError(Exception):
    """Base class for every error cancerwatch raises on purpose."""


class InputError(CancerwatchError):
    """A source file cannot be read: names the file, and where known the sheet, row and column."""

    def __init__(
        self,
        reason: str,
        *,
        file: str | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.reason = reason
        self.file = file
        self.sheet = sheet
        self.row = row
        self.column = column
        super().__init__(self.one_line())

    def __reduce__(self) -> tuple:
        """Pickle with every field (files are read in worker processes, uploads in a limited child)."""
        return (_input_error, (self.reason, self.file, self.sheet, self.row, self.column))

    def one_line(self) -> str:
        """Return ``file[, sheet S][, row R][, column C]: reason``."""
        where = [self.file or "<input>"]
        if self.sheet:
            where.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.reason}"


def _input_error(reason: str, file: str | None, sheet: str | None, row: int | None, column: str | None) -> InputError:
    return InputError(reason, file=file, sheet=sheet, row=row, column=column)


class UsageError(CancerwatchError):
    """A request that cannot be answered as asked (bad option combination, bad period)."""


class UnknownStandard(UsageError):
    """A standard id not in the catalogue."""


class UnknownOrg(UsageError):
    """An organisation code not known at the requested level."""


class NoData(UsageError):
    """The warehouse holds no figures for what was asked."""


class FetchError(CancerwatchError):
    """A published extract could not be downloaded."""


class StorageError(CancerwatchError):
    """The warehouse (or an output file) could not be written: disk full, file too large, read-only."""
