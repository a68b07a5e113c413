"""Plotly figure builders: structure only (no rendering, no kaleido, no network)."""

from __future__ import annotations

from datetime import date

from cancerwatch.analytics.charts import funnel_figure, spc_figure
from cancerwatch.analytics.funnel import compute_funnel
from cancerwatch.analytics.spc import compute_spc

REFERENCE = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
DATES = [date(2022 + (3 + i) // 12, (3 + i) % 12 + 1, 1) for i in range(18)]


def traces(fig):
    return {t.name: t for t in fig.data}


class TestSpcFigure:
    def test_traces_and_point_colours(self):
        fig = spc_figure(compute_spc(DATES, REFERENCE, target=3), "62-day performance")
        t = traces(fig)
        assert set(t) == {"Value", "Mean", "Upper process limit", "Lower process limit", "Target"}
        colours = list(t["Value"].marker.color)
        assert colours[4] == "#00b0f0"  # the 10: special cause, improvement
        assert colours[0] == "#a6a6a6"  # common cause grey
        assert t["Upper process limit"].line.dash == "dash" and t["Lower process limit"].line.dash == "dash"
        assert fig.layout.title.text == "62-day performance"
        assert fig.layout.meta["variation_type"] == "common_cause"

    def test_concern_and_neutral_colours(self):
        concern = spc_figure(compute_spc(DATES, REFERENCE, improvement_direction="decrease"))
        assert list(traces(concern)["Value"].marker.color)[4] == "#e46c0a"
        neutral = spc_figure(compute_spc(DATES, REFERENCE, improvement_direction="neutral"))
        assert list(traces(neutral)["Value"].marker.color)[4] == "#490092"

    def test_no_target_line_without_target(self):
        assert "Target" not in traces(spc_figure(compute_spc(DATES, REFERENCE)))

    def test_limit_lines_break_between_rebase_groups(self):
        fig = spc_figure(compute_spc(DATES, REFERENCE, rebase=[DATES[9]]))
        mean = traces(fig)["Mean"]
        assert list(mean.y).count(None) == 1 and len(mean.x) == 19


class TestFunnelFigure:
    units = (("HI", "High", 90, 100), ("LO", "Low", 10, 100), ("MID", "Mid", 50, 100), ("M2", "Mid 2", 26, 50))

    def test_curves_points_and_labelled_outliers(self):
        result = compute_funnel(self.units, target=0.5)
        fig = funnel_figure(result.to_rows(), result.curves(points=20), "Funnel")
        names = [t.name for t in fig.data]
        assert names.count("95% limits") == 2 and names.count("99.8% limits") == 2
        t = traces(fig)
        assert list(t["High outlier (99.8%)"].text) == ["HI"]
        assert list(t["Low outlier (99.8%)"].text) == ["LO"]
        assert t["Organisation"].text is None and len(t["Organisation"].x) == 2
        assert list(t["Target"].y) == [0.5, 0.5]
        assert len(t["95% limits"].x) == 20

    def test_accepts_curves_as_a_mapping_and_skips_rows_without_performance(self):
        result = compute_funnel([*self.units, ("Z", "Empty", 0, 0)], target=0.5)
        curves = result.curves(points=5)
        mapping = {k: getattr(curves, k) for k in ("denominator", "lower95", "upper95", "lower998", "upper998")}
        fig = funnel_figure(result.to_rows(), {**mapping, "target": 0.5})
        plotted = sum(len(t.x) for t in fig.data if t.mode and "markers" in t.mode)
        assert plotted == 4
