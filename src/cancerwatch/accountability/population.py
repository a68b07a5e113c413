"""Read a population file for Cancer Alliances: the alternative base share for funding policies.

The file is a small CSV, one row per Alliance, that the user makes from the Office for National
Statistics mid-year population estimates (for example by adding up ONS's sub-ICB location
estimates over the Alliance's sub-ICB locations); docs/methods.md, "Alliance funding":

- ``alliance_code``: cancerwatch's Alliance code or its ONS code (``E56…``), as in
  ``catalogue/alliances.csv``;
- ``population``: the number of residents (a non-negative number);
- ``source`` (optional): where the figures come from, e.g. "ONS mid-2022 population estimates
  for sub-ICB locations"; it is shown with every allocation. It may be given on any row; rows that
  give it must agree.

Bad input is refused with one line naming the file, row, column and reason.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from cancerwatch.catalogue.organisations import packaged_rows
from cancerwatch.errors import InputError

COLUMNS = ("alliance_code", "population")


@dataclass(frozen=True)
class Population:
    """Residents per Alliance (cancerwatch codes) and where the figures come from."""

    by_alliance: dict[str, float]
    source: str
    file: str

    def shares(self) -> dict[str, float]:
        """Each Alliance's share of the population in the file."""
        total = sum(self.by_alliance.values())
        return {k: v / total for k, v in self.by_alliance.items()}


def _alliance_codes() -> dict[str, str]:
    """Code as written in a file (cancerwatch or ONS) → cancerwatch Alliance code."""
    out: dict[str, str] = {}
    for row in packaged_rows("alliances.csv"):
        out[row["alliance_code"]] = row["alliance_code"]
        if row.get("ons_code"):
            out[row["ons_code"]] = row["alliance_code"]
    return out


def read_population(path: Path) -> Population:
    """The population file at ``path`` (format in the module docstring).

    Raises :class:`InputError` for a missing column, an unknown or repeated Alliance, a population
    that is not a non-negative number, sources that disagree, or a file whose total is zero."""
    path = Path(path)
    name = path.name
    known = _alliance_codes()
    out: dict[str, float] = {}
    sources: set[str] = set()
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip() for h in reader.fieldnames or []]
            missing = [c for c in COLUMNS if c not in header]
            if missing:
                raise InputError(f"missing column {missing[0]} (need {', '.join(COLUMNS)})", file=name, row=1)
            for n, raw in enumerate(reader, start=2):
                row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
                code = known.get(row["alliance_code"])
                if code is None:
                    raise InputError("not a Cancer Alliance code", file=name, row=n, column="alliance_code")
                if code in out:
                    raise InputError(f"{code} appears twice", file=name, row=n, column="alliance_code")
                try:
                    value = float(row["population"].replace(",", ""))
                except ValueError:
                    value = math.nan
                if not math.isfinite(value) or value < 0:
                    raise InputError("need a non-negative number", file=name, row=n, column="population")
                out[code] = value
                if row.get("source"):
                    sources.add(row["source"])
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file ({type(exc).__name__})", file=name) from None
    if len(sources) > 1:
        raise InputError("rows give different sources", file=name, column="source")
    if sum(out.values()) <= 0:
        raise InputError("no population: the total is zero", file=name)
    return Population(out, sources.pop() if sources else "source not stated in the file", name)
