"""Spine chart: Worse/Better ends, data gaps listed, [x] in the legend, a scale an extreme district cannot squash."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nbutils import charts


def _card(**overrides) -> pd.DataFrame:
    """A fixture scorecard of three indicators (made-up values, clearly a fixture)."""
    card = pd.DataFrame({
        "indicator_id": ["fixture_bad_if_high", "fixture_no_judgement", "fixture_missing"],
        "indicator": ["Bad if high", "Neither", "Not published here"],
        "area_name": "Fixture district", "value_geography": "Fixture district",
        "period": ["2021", "2021", "2020"], "value": [30.0, 5.0, np.nan],
        "benchmark": "England", "benchmark_value": [10.0, 4.0, np.nan],
        "districts_min": [2.0, 1.0, 1.0], "districts_lower_quartile": [8.0, 3.0, 2.0],
        "districts_upper_quartile": [12.0, 5.0, 3.0], "districts_max": [80.0, 7.0, 4.0],
        "polarity": ["low-is-good", "no-judgement", "high-is-good"],
        "compared_with_england": ["Worse than England", "Higher", "No value"],
    })
    return card.assign(**overrides)


def _texts(fig) -> list[str]:
    texts = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        texts += [t.get_text() for t in ax.texts] + [t.get_text() for t in ax.get_xticklabels()]
    for legend in fig.legends + [ax.get_legend() for ax in fig.axes if ax.get_legend()]:
        texts += [t.get_text() for t in legend.get_texts()]
    return texts


def test_extreme_district_does_not_squash_the_scale_and_is_marked_beyond():
    layout = charts.spine_layout(_card())
    bad = layout.iloc[0]
    # Tukey's fence (12 + 1.5 x 4 = 18) bounds the scale, not the extreme district at 80: the area's 30 is beyond.
    assert bad.beyond == -1 and bad.x == -1.0          # low is good, so high values sit on the Worse side
    assert bad.range_beyond_lo and not bad.range_beyond_hi
    assert bad.q1 == -0.25 and bad.q3 == 0.25          # quartiles 8 and 12 around 10 on a span of 8
    assert layout.gap.tolist() == [False, False, True]
    assert layout.judged.tolist() == [True, False, True]


def test_percentile_columns_set_the_scale_when_given():
    layout = charts.spine_layout(_card(districts_p5=[4.0, 2.0, 1.0], districts_p95=[30.0, 6.0, 4.0]))
    assert layout.iloc[0].x == -1.0 and layout.iloc[0].beyond == 0    # 30 is the 95th percentile: at the end


def test_spine_chart_says_worse_and_better_lists_gaps_and_explains_x():
    fig = charts.spine_chart(_card(benchmark_value=[10.0, np.nan, np.nan]), title="Fixture", source="fixture")
    texts = _texts(fig)
    assert any("Worse" in t for t in texts) and any("Better" in t for t in texts)
    assert "Lower" in texts and "Higher" in texts              # the no-judgement row says which way is higher
    assert any(t.startswith("Data gaps") and "Not published here (2020)" in t for t in texts)
    assert fig.axes[0].get_yticklabels()[-1].get_text() == "Neither"  # the gap has no empty row
    assert len(fig.axes[0].get_yticks()) == 2
    assert any(t.startswith("[x] not available") for t in texts)
    assert "30.0" in texts                                      # the value beyond the scale, written at the arrow
    assert "80.0" in texts                                      # the extreme district, written at the arrow


def test_numbers_and_words_at_the_spine_charts_ends_do_not_touch():
    """Districts beyond the scale on a no-judgement row (its 'Higher' moves inside the arrow, under the number),
    and an area beyond the scale on the row below (its value beside its marker, clear of the next row's number)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    card = _card(indicator=["Bad if high", "Neither", "Also bad if high"], value=[30.0, 5.0, 40.0],
                 benchmark_value=[10.0, 4.0, 10.0], districts_max=[80.0, 31.0, 90.0],
                 polarity=["low-is-good", "no-judgement", "low-is-good"],
                 compared_with_england=["Worse than England", "Higher", "Worse than England"])
    fig = charts.spine_chart(card, title="Fixture", source="fixture")
    renderer = FigureCanvasAgg(fig).get_renderer()
    ax = fig.axes[0]
    boxes = {t.get_text(): t.get_window_extent(renderer) for t in ax.texts if t.get_text()}
    assert {"Lower", "Higher", "30.0", "31.0", "40.0", "80.0", "90.0"} <= set(boxes)
    placed = ["Higher", "30.0", "31.0", "40.0", "80.0", "90.0"]
    for a in placed:
        for b in set(placed) - {a}:
            assert not boxes[a].overlaps(boxes[b]), (a, b)
    # The area's own value beyond the scale sits on its row, beside its marker.
    row_y = ax.transData.transform((0, 0))[1]
    assert abs((boxes["30.0"].y0 + boxes["30.0"].y1) / 2 - row_y) < 1


def test_no_judgement_only_chart_reads_lower_and_higher():
    card = _card().iloc[[1]]
    labels = [t.get_text() for t in charts.spine_chart(card, title="F", source="f").axes[0].get_xticklabels()]
    assert labels[0].endswith("Lower") and labels[2].startswith("Higher")


def test_neighbours_band_drawn_only_when_given():
    plain = _texts(charts.spine_chart(_card(), title="F", source="f"))
    banded = _texts(charts.spine_chart(_card(neighbours_min=[6.0, 2.0, np.nan], neighbours_max=[14.0, 6.0, np.nan]),
                                       title="F", source="f"))
    assert "Range of statistical neighbours" in banded and "Range of statistical neighbours" not in plain


def test_neighbours_band_is_the_areas_own_not_its_countys():
    own = charts.spine_layout(_card(neighbours_of="Fixture district", neighbours_min=6.0, neighbours_max=14.0))
    county = charts.spine_layout(_card(neighbours_of="Fixture county", neighbours_min=6.0, neighbours_max=14.0))
    assert own.iloc[0].neighbours_lo == -0.5 and own.iloc[0].neighbours_hi == 0.5
    assert county.neighbours_lo.isna().all()


# ------------------------------------------------------------------------------------- saving a laid-out chart
def _trend(title: str) -> "charts.plt.Figure":
    """A fixture trend (made-up values) drawn by the package's trend chart."""
    frame = pd.DataFrame({
        "area_name": ["Fixture district"] * 3 + ["England"] * 3, "role": ["area"] * 3 + ["england"] * 3,
        "period": ["2021", "2022", "2023"] * 2, "value": [10.0, 12.0, 11.0, 9.0, 9.5, 10.0],
        "lower_ci95": np.nan, "upper_ci95": np.nan, "compared_with_england": "Not compared",
    })
    return charts.trend_chart(frame, title=title, ylabel="Percent (%)", source="fixture")


def _saved_width(fig, monkeypatch) -> float:
    """Width in points of the SVG Pack.figure embeds."""
    import base64
    import re

    from IPython.display import HTML

    from nbutils import report

    shown = []
    monkeypatch.setattr(report, "display", shown.append)  # what the page would show, captured
    report.Pack.figure(None, fig, alt="fixture")  # (figure uses nothing of the pack itself)
    assert isinstance(shown[0], HTML)
    svg = base64.b64decode(re.search(r"base64,([^']+)'", shown[0].data).group(1)).decode()
    return float(re.search(r'width="([\d.]+)pt"', svg).group(1))


def test_a_laid_out_chart_is_saved_at_its_own_size_without_remeasuring(monkeypatch):
    fig = _trend("Fixture trend")
    assert charts.fits_figure(fig)
    assert _saved_width(fig, monkeypatch) == fig.get_size_inches()[0] * 72  # the whole figure, as laid out


def test_a_chart_changed_after_layout_or_with_an_overflowing_line_is_saved_tight(monkeypatch):
    long_title = _trend("A title far too long for its figure " * 4)
    assert charts.fits_figure(long_title)  # a long title is wrapped to the figure's width (issue 25: print size)
    assert "\n" in long_title.axes[0]._left_title.get_text()
    long_source = _trend("Fixture trend")
    long_source.texts[0].set_text("Source: " + "a source line far too long for its figure " * 4)
    long_source._nbutils_fitted = None  # as fit_layout leaves a figure whose text overflows
    assert not charts.fits_figure(long_source)  # the saved image grows to hold the line
    assert _saved_width(long_source, monkeypatch) > long_source.get_size_inches()[0] * 72
    changed = _trend("Fixture trend")
    changed.axes[0].text(50, 50, "a note added afterwards, far outside the axes")
    assert not charts.fits_figure(changed)
    assert _saved_width(changed, monkeypatch) > changed.get_size_inches()[0] * 72


def test_a_chart_saved_tight_has_matplotlibs_tight_box_from_a_single_draw(monkeypatch):
    import io
    import re

    from matplotlib.figure import Figure

    from nbutils.chart_style import SVG_SAVE, svg_image

    fig = _trend("Fixture trend saved tight")  # a title of its own: a figure no other test has (chart_reuse)
    fig.texts[0].set_text("Source: " + "a source line far too long for its figure " * 4)
    fig._nbutils_fitted = None  # as fit_layout leaves a figure whose text overflows
    draws = []
    draw = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, renderer: draws.append(1) or draw(self, renderer))
    buffer = io.BytesIO()
    with charts.plt.rc_context(SVG_SAVE):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    assert len(draws) == 2  # matplotlib's "tight": a draw to measure, then the draw that prints
    tight = buffer.getvalue().decode()
    draws.clear()
    ours = svg_image(fig).decode()
    assert len(draws) == 1

    def root(svg):
        width, height, box = re.search(r'width="([\d.]+)pt" height="([\d.]+)pt" viewBox="([^"]+)"', svg).groups()
        return float(width), float(height), [float(v) for v in box.split()]

    width, height, box = root(ours)
    assert (width, height) == root(tight)[:2] and width > fig.get_size_inches()[0] * 72  # the line is held
    assert box[2:] == [width, height]
    # The box starts left of and below the figure's own edges (the source line's padding): the figure's own
    # white background is extended to it, as matplotlib's tight save extends it.
    assert box[0] < 0 and box[1] + box[3] > fig.get_size_inches()[1] * 72
    assert 'style="fill: #ffffff"/>\n <g id="figure_1">' in ours
    assert svg_image(fig) == ours.encode()  # the same figure, the same image
    # An SVG whose root it does not recognise (another matplotlib) is saved by matplotlib's own "tight" instead.
    from nbutils import chart_style

    monkeypatch.setattr(chart_style, "_viewport", lambda *args: None)
    fallback = svg_image(fig).decode()
    assert root(fallback)[:2] == (width, height) and root(fallback)[2][:2] == [0, 0]


def test_trend_letters_are_on_one_line_above_every_marker_and_a_missing_area_is_said():
    frame = pd.DataFrame({  # a fixture (made-up values): an area, its county and England, three years
        "area_name": ["Fixture district"] * 3 + ["Fixture county"] * 3 + ["England"] * 3,
        "role": ["area"] * 3 + ["county"] * 3 + ["england"] * 3, "period": ["2021", "2022", "2023"] * 3,
        "value": [10.0, 12.0, 11.0, 10.5, 11.5, 11.0, 9.0, 9.5, 10.0], "lower_ci95": np.nan, "upper_ci95": np.nan,
        "compared_with_england": ["Similar to England", "Worse than England", "Similar to England"] * 2 + [""] * 3,
    })
    fig = charts.trend_chart(frame, title="Fixture", ylabel="%", source="fixture", area="Fixture district")
    ax = fig.axes[0]
    letters = [t for t in ax.texts if t.get_text() in ("S", "W")]
    assert [t.get_text() for t in letters] == ["S", "W", "S"]  # the area's points only, not the county's too
    markers = max(c.get_zorder() for c in ax.collections)
    assert all(t.get_zorder() > markers for t in letters)  # never hidden under another line's marker
    assert not any(t.get_text().startswith("No value") for t in ax.texts)

    county_only = charts.trend_chart(frame[frame.role != "area"], title="Fixture", ylabel="%", source="fixture",
                                     area="Fixture district")
    texts = [t.get_text() for t in county_only.axes[0].texts]
    assert "No value for Fixture district in this source: comparators only" in texts
    assert [t for t in texts if t in ("S", "W")] == ["S", "W", "S"]  # the county stands in, with its letters


# ------------------------------------------------------------------------------ print and phone sizes (issue 25)
def _svg(fig) -> bytes:
    import io

    buffer = io.BytesIO()
    with charts.plt.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg", bbox_inches="tight")
    return buffer.getvalue()


def test_figure_sizing_prints_the_smallest_text_at_7_points_and_at_10_pixels_on_a_phone():
    from nbutils.chart_style import figure_sizing

    svg = '<svg width="612pt" height="331.2pt"><text style="font-size: 9px"/><text style="font-size: 12px"/></svg>'
    sizing = figure_sizing(svg)
    assert sizing.smallest_pt == 9.0 and not sizing.wide
    assert round(sizing.print_width_pt, 1) == round(612 * 7.2 / 9, 1)  # 489.6 pt: 9 pt text prints at 7.2 pt
    assert round(sizing.phone_width_px) == round(612 * 10.2 / 9)       # 694 px on screen: 9 pt text at 10.2 px
    assert "--nbu-print-width:490pt" in sizing.style and sizing.classes == ""
    tiny = figure_sizing(svg.replace("9px", "5px"))
    assert tiny.wide and tiny.classes == " nbu-figure-wide"  # 5 pt text cannot print at 7 pt on A4 portrait


def test_every_chart_builder_prints_its_text_at_7_points_within_a_portrait_page():
    from nbutils.chart_style import PORTRAIT_TEXT_PT, figure_sizing

    dots = pd.DataFrame({  # a fixture (made-up values) with long category names and a legend on the right
        "category": ["Decile 1 (most deprived 10%)", "Decile 2", "Decile 10 (least deprived 10%)"] * 2,
        "value": [20.0, 15.0, 5.0, 18.0, 14.0, 6.0], "role": ["area"] * 3 + ["region"] * 3,
        "area_name": ["Fixture district, IoD2025"] * 3 + ["Fixture district, IoD2019"] * 3})
    figures = [
        charts.comparison_dot_plot(dots, category="category", value="value", xlabel="Share of LSOAs (%)",
                                   title="Neighbourhoods in each national deprivation decile, Fixture district, "
                                         "IoD2019 and IoD2025", source="fixture"),
        _trend("A title far too long for its figure " * 4),
        charts.spine_chart(_card(), title="Fixture", source="fixture"),
    ]
    for fig in figures:
        sizing = figure_sizing(_svg(fig))
        assert not sizing.wide, sizing
        assert sizing.smallest_pt * min(sizing.print_width_pt, PORTRAIT_TEXT_PT) / sizing.width_pt >= 7.0


def test_alt_text_states_the_finding():
    trend = pd.DataFrame({  # a fixture (made-up values)
        "role": ["area", "area", "england", "england"], "area_name": ["Fixture", "Fixture", "England", "England"],
        "period": ["2023/24", "2024/25", "2023/24", "2024/25"], "value": [22.0, 23.9, 22.1, 22.2]})
    assert charts.finding(trend, "Year 6 obesity", "Fixture") == \
        "Fixture's Year 6 obesity, 23.9% in 2024/25, is above England's 22.2%."
    assert charts.finding(trend.assign(value=[1.0, 2.0, 3.0, 4.0]), "rate", "Fixture", unit="per 1,000",
                          decimals=2) == "Fixture's rate, 2.00 per 1,000 in 2024/25, is below England's 4.00 per 1,000."
    assert charts.finding(trend[trend.role == "england"], "Year 6 obesity", "Fixture") == ""  # no value: no claim
    ranked = pd.DataFrame({"area_name": ["A", "B", "Fixture"], "value": [3.0, 5.0, 4.0],
                           "is_area": [False, False, True]})
    assert charts.ranked_finding(ranked, "infant mortality", "Fixture", "the fixture's districts",
                                 unit="per 1,000", decimals=2) == \
        "Fixture's infant mortality, 4.00 per 1,000, is the 2nd highest of 3 in the fixture's districts."
    assert charts.spine_finding(_card(label=["Bad if high", "Neither", "Not published here"]), "Fixture") == \
        "Fixture is significantly worse than England on 1 of 3 (Bad if high)."


def _gradient(values) -> pd.DataFrame:
    """A fixture of five deprivation quintiles (made-up values, clearly a fixture)."""
    return pd.DataFrame({"category": [f"Quintile {i}" for i in range(1, 6)], "value": values,
                         "is_area": False, "compared_with_england": ["Worse", "Worse", "Similar", "Better", "Better"]})


def _svg(fig) -> bytes:
    import io

    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "nbutils"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def test_a_chart_asked_again_with_the_same_inputs_is_drawn_once_and_saves_the_same_image():
    from nbutils import chart_reuse

    chart_reuse.forget()
    kwargs = dict(sort=False, title="Fixture gradient", xlabel="Per cent", source="Fixture")
    once = charts.ranked_bars(_gradient([30.0, 25.0, 20.0, 15.0, 10.0]), "category", "value", **kwargs)
    # Asked for a second time (equal frames, not the same objects): kept, and handed back from then on.
    first = charts.ranked_bars(_gradient([30.0, 25.0, 20.0, 15.0, 10.0]), "category", "value", **kwargs)
    again = charts.ranked_bars(_gradient([30.0, 25.0, 20.0, 15.0, 10.0]), "category", "value", **kwargs)
    assert first is not once and again is first
    assert _svg(again) == _svg(first) == _svg(once)
    # Any difference in the data, or in another input, draws a new chart.
    other = charts.ranked_bars(_gradient([30.0, 25.0, 20.0, 15.0, 10.5]), "category", "value", **kwargs)
    renamed = charts.ranked_bars(_gradient([30.0, 25.0, 20.0, 15.0, 10.0]), "category", "value",
                                 **{**kwargs, "title": "Another title"})
    chart_reuse.forget()
    assert charts.ranked_bars(_gradient([30.0, 25.0, 20.0, 15.0, 10.0]), "category", "value", **kwargs) \
        is not first  # forgotten: drawn anew
    assert other is not first and renamed is not first
    assert _svg(other) != _svg(first)
    # The remembered image is the one a fresh drawing gives.
    fresh = charts.ranked_bars.uncached(_gradient([30.0, 25.0, 20.0, 15.0, 10.0]), "category", "value", **kwargs)
    assert _svg(fresh) == _svg(first)


def test_inputs_key_tells_apart_what_a_chart_reads():
    from nbutils.chart_reuse import inputs_key

    frame = _gradient([1.0, 2.0, 3.0, 4.0, 5.0])
    assert inputs_key("f", (frame,), {}) == inputs_key("f", (frame.copy(),), {})
    assert inputs_key("f", (frame,), {}) != inputs_key("g", (frame,), {})
    assert inputs_key("f", (frame,), {}) != inputs_key("f", (frame.rename(columns={"value": "v"}),), {})
    assert inputs_key("f", (frame,), {}) != inputs_key("f", (frame.astype({"value": "float32"}),), {})
    assert inputs_key("f", (frame, 1), {}) != inputs_key("f", (frame, 1.0), {})
    assert inputs_key("f", (object(),), {}) is None  # not described exactly: never cached


def test_a_neighbour_panel_labels_its_england_line_or_says_it_has_none_between_the_panel_and_its_title():
    from nbutils.neighbour_chart import neighbour_panels

    def panel(label, values, england):  # a fixture (made-up values): the area and some neighbours
        frame = pd.DataFrame({"area_name": [f"Fixture {i}" for i in range(len(values))], "value": values,
                              "is_area": [True] + [False] * (len(values) - 1)})
        frame.attrs.update(label=label, period="2023", axis="Per cent", england=england, decimals=1)
        return frame

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = neighbour_panels([panel("Few bars", [3.0, 5.0, 4.0], 4.5),
                            panel("Many bars, and a label long enough to wrap onto a second line",
                                  [float(v) for v in range(1, 13)], 6.0),
                            panel("A source with no England value", [2.0, 3.0], None)], "Fixture county", "fixture")
    renderer = FigureCanvasAgg(fig).get_renderer()
    notes = [[t.get_text() for t in ax.texts if not t.get_text()[0].isdigit()] for ax in fig.axes if ax.get_visible()]
    assert notes == [["England 4.5"], ["England 6.0"], ["No England value in this source"]]
    assert [len(ax.lines) for ax in fig.axes if ax.get_visible()] == [1, 1, 0]  # no line where there is no value
    for ax in [ax for ax in fig.axes if ax.get_visible()]:
        label = next(t for t in ax.texts if "England" in t.get_text())
        box, title, panel_box = (label.get_window_extent(renderer), ax._left_title.get_window_extent(renderer),
                                 ax.get_window_extent(renderer))
        assert not box.overlaps(title) and box.y1 <= title.y0  # below the title, never over it
        assert box.y0 >= panel_box.y1  # above the bars
