"""Request parameter types shared by the page routes."""

from __future__ import annotations

from typing import Literal

from cancerwatch.web.series import headline_standards

HeadlineStandard = Literal[tuple(headline_standards())]  # type: ignore[valid-type]
