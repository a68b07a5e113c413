"""Write docs/cli.md from the commands' own definitions (``--check``: fail if it is stale).

The reference is generated so that it cannot fall behind the code; the test suite runs the
check.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from cancerwatch.cli.app import app

OUT = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def _param_line(p) -> str:
    if p.param_type_name == "argument":
        return f"- `{p.name.upper()}` (argument{', repeatable' if p.nargs == -1 else ''})"
    names = ", ".join(f"`{o}`" for o in p.opts)
    default = ""
    value = getattr(p.default, "value", p.default)  # enums print their value
    if value not in (None, False, (), []) and not callable(value) and not getattr(p, "is_flag", False):
        default = f" (default `{value}`)"
    help_text = (getattr(p, "help", "") or "").strip()
    return f"- {names}: {help_text}{default}".rstrip()


def reference() -> str:
    """The Markdown reference of every command."""
    group = typer.main.get_command(app)
    ctx = None
    lines = [
        "# Command reference",
        "",
        "Generated from the commands' definitions by `scripts/cli_reference.py`; do not edit by hand.",
        "",
        "Every command that reads or writes the warehouse takes `--db PATH` "
        "(default `$CANCERWATCH_DB`, else `./cancerwatch.duckdb`); commands that print data take "
        "`--format table|csv|json`. Exit code 2 means bad usage or bad input.",
        "",
    ]
    for name in sorted(group.list_commands(ctx)):
        cmd = group.get_command(ctx, name)
        lines += [f"## `cancerwatch {name}`", "", (cmd.help or "").strip().split("\n\n")[0], ""]
        params = [p for p in cmd.params if p.name != "help"]
        lines += [_param_line(p) for p in params]
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    text = reference()
    if "--check" in sys.argv:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print("docs/cli.md is stale: run python scripts/cli_reference.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
