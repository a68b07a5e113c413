"""Planning scenarios as small TOML files, validated with errors that name the file and key.

```toml
[scenario]
name = "Straight-to-test for lower GI"
extra_capacity_pct = 10      # more cancer-pathway diagnostic capacity, % of today's DM01 activity
demand_growth_pct = 5        # urgent referrals above the forecast, %
start_backlog = 0            # extra patients waiting beyond the normal pathway today (added to DM01's)

[[scheme]]
name = "straight-to-test"
share = 0.25                 # share of patients on the shorter pathway
days_saved = 7               # days the scheme takes out of the pathway
```
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from cancerwatch.errors import InputError
from cancerwatch.planning.diagnostic_queue import Scheme

SCENARIO_KEYS = {"name", "extra_capacity_pct", "demand_growth_pct", "start_backlog"}
SCHEME_KEYS = {"name", "share", "days_saved"}


@dataclass(frozen=True)
class Scenario:
    """What the planner changes."""

    name: str = "current capacity, forecast demand"
    extra_capacity_pct: float = 0.0
    demand_growth_pct: float = 0.0
    start_backlog: float = 0.0
    schemes: tuple[Scheme, ...] = ()


def _number(value: object, key: str, file: str, *, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{key} must be a number, found {value!r}", file=file, column=key)
    if not low <= value <= high:
        raise InputError(f"{key} {value} is outside {low:g} to {high:g}", file=file, column=key)
    return float(value)


def load_scenario(path: Path | None) -> Scenario:
    """The scenario in ``path`` (the default scenario when None)."""
    if path is None:
        return Scenario()
    file = Path(path).name
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("no such file", file=file) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid TOML ({exc})", file=file) from None
    unknown = set(raw) - {"scenario", "scheme"}
    if unknown:
        raise InputError(f"unknown table {sorted(unknown)[0]!r}: use [scenario] and [[scheme]]", file=file)
    sc = raw.get("scenario", {})
    bad = set(sc) - SCENARIO_KEYS
    if bad:
        raise InputError(f"unknown key scenario.{sorted(bad)[0]}", file=file, column=sorted(bad)[0])
    schemes = []
    for i, s in enumerate(raw.get("scheme", []), start=1):
        where = f"scheme[{i}]"
        bad = set(s) - SCHEME_KEYS
        missing = SCHEME_KEYS - set(s) - {"name"}
        if bad or missing:
            key = sorted(bad or missing)[0]
            raise InputError(f"{where}: {'unknown' if bad else 'missing'} key {key!r}", file=file, column=key)
        schemes.append(
            Scheme(
                str(s.get("name", where)),
                _number(s["share"], f"{where}.share", file, low=0, high=1),
                _number(s["days_saved"], f"{where}.days_saved", file, low=0, high=28),
            )
        )
    if sum(s.share for s in schemes) > 1 + 1e-9:
        raise InputError("scheme shares add up to more than 1", file=file, column="share")
    return Scenario(
        name=str(sc.get("name", Path(path).stem)),
        extra_capacity_pct=_number(
            sc.get("extra_capacity_pct", 0), "scenario.extra_capacity_pct", file, low=-90, high=1000
        ),
        demand_growth_pct=_number(
            sc.get("demand_growth_pct", 0), "scenario.demand_growth_pct", file, low=-90, high=1000
        ),
        start_backlog=_number(sc.get("start_backlog", 0), "scenario.start_backlog", file, low=0, high=1e7),
        schemes=tuple(schemes),
    )
