"""The ``cancerwatch`` command: one Typer app, one module per command under ``commands/``.

Domain errors become exit code 2 with a one-line reason on stderr (docs/architecture.md, CLI contract).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import typer

from cancerwatch.errors import CancerwatchError
from cancerwatch.warehouse.storage_errors import storage_reason

app = typer.Typer(
    name="cancerwatch",
    help="Performance and commissioning intelligence for NHS cancer services in England.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    from cancerwatch.cli.commands import data, load, metrics, standards

    for module in (load, metrics, standards, data):
        module.register(app)
    for optional in (
        "fetch",
        "analytics",
        "record",
        "serve",
        "accountability",
        "plan",
        "report",
        "indicators",
        "diagnostics",
        "changes",
    ):
        try:
            module = __import__(f"cancerwatch.cli.commands.{optional}", fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("cancerwatch.cli.commands"):
                continue
            raise
        module.register(app)


_register()


def main() -> None:
    """Entry point: run the app, translating domain errors to exit code 2."""
    logging.getLogger("fastexcel").setLevel(logging.ERROR)  # its dtype guesses are not the user's concern
    try:
        app()  # standalone: usage errors already exit 2 with a message
    except CancerwatchError as exc:
        typer.echo(f"cancerwatch: {exc}", err=True)
        sys.exit(2)
    except OSError as exc:  # an output file or folder that cannot be written: one line, not a traceback
        reason = storage_reason(exc)
        if reason is None:
            raise
        typer.echo(f"cancerwatch: {Path(exc.filename).name if exc.filename else 'output'}: {reason}", err=True)
        sys.exit(2)
