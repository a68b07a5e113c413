"""docs/cli.md is generated from the commands' definitions and must match them."""

from __future__ import annotations

import subprocess
import sys

import typer

from cancerwatch.cli.app import app
from tests.conftest import REPO


def test_cli_reference_is_up_to_date():
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "cli_reference.py"), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_cli_reference_names_every_command_and_option():
    text = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    group = typer.main.get_command(app)
    for name in group.list_commands(None):
        assert f"## `cancerwatch {name}`" in text
        for param in group.get_command(None, name).params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt != "--help":
                    assert f"`{opt}`" in text, (name, opt)
