"""Text measured once per process (nbutils.text_metrics): the cached measurements are the library's own."""

from __future__ import annotations

import contextlib

import matplotlib
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

from nbutils import chart_style, charts, text_metrics

STRINGS = ["2019/20", "Source: OHID, Fingertips", "0.0", "Worse than England", "Ŵ ĝ", ""]


def _measure(prop: FontProperties) -> list[tuple]:
    agg, svg = RendererAgg(10, 10, 100), TextToPath()
    return [(agg.get_text_width_height_descent(s, prop, False), svg.get_text_width_height_descent(s, prop, False))
            for s in STRINGS]


def test_measurements_inside_are_those_outside_and_the_methods_are_restored():
    prop = FontProperties(family="sans-serif", size=9.5, weight="bold")
    outside = _measure(prop)
    with text_metrics.measured_once():
        assert RendererAgg.get_text_width_height_descent is not text_metrics._ORIGINALS[RendererAgg]
        first, again = _measure(prop), _measure(prop)  # the second answered from the cache
    assert first == again == outside
    assert RendererAgg.get_text_width_height_descent is text_metrics._ORIGINALS[RendererAgg]
    assert TextToPath.get_text_width_height_descent is text_metrics._ORIGINALS[TextToPath]


def test_line_metrics_inside_are_matplotlibs_and_the_hooks_are_removed_after():
    """A text's layout reads its font's ascent, descent and line gap: inside the context Agg and SVG answer them
    from a cache, and every box is the one matplotlib computes itself (multi-line text, two resolutions)."""
    import matplotlib.pyplot as plt
    from matplotlib import text as mtext
    from matplotlib.backends.backend_svg import RendererSVG

    def boxes(dpi):
        fig = plt.figure(dpi=dpi)
        texts = [fig.text(0.1, 0.5, "Infant deaths\na year", fontsize=size, weight=weight)
                 for size, weight in ((9, "normal"), (12, "bold"), (7.5, "normal"))]
        renderer = fig.canvas.get_renderer()
        out = [t.get_window_extent(renderer).bounds for t in texts]
        plt.close(fig)
        return out

    outside = boxes(100), boxes(200)
    with text_metrics.measured_once():
        if text_metrics._ASKS_METRICS:  # matplotlib 3.10 and later ask the renderer
            assert mtext.Text._get_layout is not text_metrics._LAYOUT
            assert hasattr(RendererAgg, "_get_font_height_metrics")
            assert RendererAgg._get_font_height_metrics(None, FontProperties(size=9)) == (None, None, None)
        inside = boxes(100), boxes(200)
    assert inside == outside
    assert mtext.Text._get_layout is text_metrics._LAYOUT
    assert not hasattr(RendererAgg, "_get_font_height_metrics") and not hasattr(RendererSVG, "_get_font_height_metrics")


def test_nested_contexts_restore_only_at_the_outermost():
    with text_metrics.measured_once():
        with text_metrics.measured_once():
            pass
        assert RendererAgg.get_text_width_height_descent is not text_metrics._ORIGINALS[RendererAgg]
    assert RendererAgg.get_text_width_height_descent is text_metrics._ORIGINALS[RendererAgg]


def test_font_settings_are_part_of_what_is_remembered():
    prop = FontProperties(family="serif", size=10)
    with text_metrics.measured_once():
        with matplotlib.rc_context({"font.serif": ["DejaVu Serif"]}):
            serif = RendererAgg(10, 10, 100).get_text_width_height_descent("Infant deaths", prop, False)
        with matplotlib.rc_context({"font.serif": ["DejaVu Sans"]}):  # another font file for the same properties
            sans = RendererAgg(10, 10, 100).get_text_width_height_descent("Infant deaths", prop, False)
    with matplotlib.rc_context({"font.serif": ["DejaVu Sans"]}):
        assert sans == RendererAgg(10, 10, 100).get_text_width_height_descent("Infant deaths", prop, False)
    assert serif != sans
    # The resolution is part of it too: the same text at 200 dpi measures twice as wide, near enough.
    with text_metrics.measured_once():
        wide = RendererAgg(10, 10, 200).get_text_width_height_descent("Infant deaths", prop, False)
    assert wide[0] > 1.8 * RendererAgg(10, 10, 100).get_text_width_height_descent("Infant deaths", prop, False)[0]


def test_a_chart_saves_the_same_svg_with_and_without_the_cache(monkeypatch):
    import io

    import pandas as pd

    frame = pd.DataFrame({  # a fixture trend (made-up values)
        "area_name": ["Fixture district"] * 4 + ["England"] * 4, "role": ["area"] * 4 + ["england"] * 4,
        "period": ["2019/20", "2020/21", "2021/22", "2022/23"] * 2,
        "value": [12.0, 11.5, 10.9, 10.1, 9.8, 9.6, 9.1, 8.8],
        "lower_ci95": [10.0, 9.6, 9.0, 8.3, 9.7, 9.5, 9.0, 8.7], "upper_ci95": [14.0, 13.4, 12.8, 11.9, 9.9, 9.7, 9.2, 8.9],
        "compared_with_england": ["Worse than England", "Similar to England", "Similar to England", "Higher"] + [None] * 4,
    })

    def svg() -> bytes:
        fig = charts.trend_chart.uncached(frame, title="Fixture trend", ylabel="Per cent", source="Fixture")
        buffer = io.BytesIO()
        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "nbutils"}):
            fig.savefig(buffer, format="svg", metadata={"Date": None})
        return buffer.getvalue()

    cached, cached_again = svg(), svg()
    monkeypatch.setattr(chart_style, "measured_once", contextlib.nullcontext)
    assert cached == cached_again == svg()
