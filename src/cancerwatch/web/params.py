"""Request parameter types of the page routes (those shared with the API are in ``cancerwatch.http``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import Path, Query

from cancerwatch.catalogue.standards import headline_standards
from cancerwatch.http import MAX_OFFSET, MONTH_OR_EMPTY, Dataset, Level, OrgLevel, Period, StandardId

__all__ = [
    "MAX_OFFSET",
    "Code",
    "Dataset",
    "HeadlineStandard",
    "Level",
    "MonthOrEmpty",
    "OrgLevel",
    "PageFormat",
    "Period",
    "StandardId",
    "TableFormat",
]

if TYPE_CHECKING:  # a headline standard id is a str to the type checker
    HeadlineStandard = str
else:
    HeadlineStandard = Literal[headline_standards()]
Code = Annotated[str, Path(max_length=20, pattern=r"^[A-Za-z0-9-]+$")]
MonthOrEmpty = Annotated[str | None, Query(pattern=MONTH_OR_EMPTY)]
PageFormat = Literal["html", "json"]
TableFormat = Literal["html", "json", "csv", "xlsx"]
