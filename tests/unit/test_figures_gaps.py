"""Trend charts break the line where months are missing instead of joining them."""

from __future__ import annotations

from cancerwatch.variation import SpcView
from cancerwatch.web.figures import trend_figure


def test_the_trend_line_breaks_at_a_gap():
    rows = [
        {"period_start": m, "performance": 0.7, "threshold": 0.75}
        for m in ("2021-07-01", "2022-07-01", "2023-04-01", "2023-05-01")
    ]
    fig = trend_figure(rows, SpcView(False), name="An ICB")
    line = next(d for d in fig["data"] if d["name"] == "An ICB")
    assert line["x"] == ["2021-07-01", None, "2022-07-01", None, "2023-04-01", "2023-05-01"]
    assert line["y"] == [70.0, None, 70.0, None, 70.0, 70.0]
    assert len(line["marker"]["color"]) == len(line["x"])
