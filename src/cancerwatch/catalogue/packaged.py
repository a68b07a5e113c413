"""Read a packaged TOML catalogue once and refuse it when its own checks find problems."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from importlib import resources
from typing import TypeVar

T = TypeVar("T")


def validated_toml(
    file_name: str,
    parse: Callable[[dict], tuple[dict[str, T], dict[str, str]]],
    validate: Callable[[dict[str, T], dict[str, str]], list[str]],
    what: str,
) -> tuple[dict[str, T], dict[str, str]]:
    """Items by id and sources by key from ``file_name`` in this package; ValueError naming every problem."""
    text = resources.files("cancerwatch.catalogue").joinpath(file_name).read_text("utf-8")
    items, sources = parse(tomllib.loads(text))
    problems = validate(items, sources)
    if problems:
        raise ValueError(f"{what} catalogue is invalid: " + "; ".join(problems))
    return items, sources
