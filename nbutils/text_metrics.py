"""Text measured once per process: the same string in the same font, size and resolution is measured by FreeType
once, not once per figure and once more for every SVG the figure is saved as.

Matplotlib remembers text sizes per renderer, and each figure lays itself out with a renderer of its own, then
makes another to save itself as SVG: a batch measures "2019/20", "0.0" or "Source: OHID, Fingertips" afresh in
every chart of every area, which is about a fifth of a chart's time. While :func:`measured_once` is active, the
two measuring methods (Agg's, used for layout, and the SVG writer's) answer a string they have measured before
from a cache; what they answer is the library's own result for the same inputs, so every drawing is unchanged.
The cache key holds what a measurement depends on beyond its arguments: the renderer's resolution, and the font
and hinting settings that choose and size the font file.

Every text's layout also reads its font's line metrics (ascent, descent, line gap) from the font file's tables.
Matplotlib lets a renderer answer them (``_get_font_height_metrics``, which its PDF and PostScript writers have);
inside the context Agg and SVG answer them too, computed as matplotlib computes them, once per font file, size and
resolution (about a tenth of a chart's time).

Importing this module changes nothing global; the methods are wrapped only inside the context.
"""

from __future__ import annotations

import contextlib
import functools
import threading

import matplotlib
from matplotlib import font_manager
from matplotlib import text as mtext
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.backends.backend_svg import RendererSVG
from matplotlib.textpath import TextToPath

__all__ = ["measured_once"]

#: The settings that choose a font file for a font's properties, and shape and hint its glyphs.
_FONT_SETTINGS = ("font.family", "font.sans-serif", "font.serif", "font.monospace", "font.cursive",
                  "font.fantasy", "text.hinting", "text.hinting_factor", "text.kerning_factor")
_ORIGINALS = {RendererAgg: RendererAgg.get_text_width_height_descent,
              TextToPath: TextToPath.get_text_width_height_descent}
_LOCK = threading.Lock()
_DEPTH = 0
#: Text layout asks a renderer for font line metrics (matplotlib 3.10 and later); Agg and SVG have no answer of
#: their own, so one is lent to them inside the context.
_ASKS_METRICS = "_get_font_height_metrics" in mtext.Text._get_layout.__code__.co_names
_LAYOUT = mtext.Text._get_layout
_METRIC_RENDERERS = tuple(kind for kind in (RendererAgg, RendererSVG) if not hasattr(kind, "_get_font_height_metrics"))
_LAYING_OUT = threading.local()  # the resolution of the text being laid out (its figure's, as matplotlib scales by)


def _settings() -> tuple:
    values = map(matplotlib.rcParams.__getitem__, _FONT_SETTINGS)
    manager = font_manager.fontManager
    return (tuple(tuple(v) if isinstance(v, list) else v for v in values), id(manager), len(manager.ttflist))


@functools.lru_cache(maxsize=20_000)
def _measured(kind: type, text: str, prop, dpi: float, settings: tuple) -> tuple[float, float, float]:
    measurer = RendererAgg(1, 1, dpi) if kind is RendererAgg else _text_to_path()
    return _ORIGINALS[kind](measurer, text, prop, False)


@functools.lru_cache(maxsize=1)
def _text_to_path() -> TextToPath:
    return TextToPath()


def _agg(self, s, prop, ismath, *args, **kwargs):
    if ismath is not False or args or kwargs:  # mathtext and TeX: measured as the library does
        return _ORIGINALS[RendererAgg](self, s, prop, ismath, *args, **kwargs)
    return _measured(RendererAgg, s, prop.copy(), self.dpi, _settings())


def _svg_text(self, s, prop, ismath, *args, **kwargs):
    if ismath is not False or args or kwargs:
        return _ORIGINALS[TextToPath](self, s, prop, ismath, *args, **kwargs)
    return _measured(TextToPath, s, prop.copy(), 72.0, _settings())  # TextToPath measures at a fixed size


@functools.lru_cache(maxsize=4_096)
def _line_metrics(font_files: tuple, size: float, dpi: float) -> tuple:
    """Ascent, descent and line gap of a font at a size and resolution, from the tables matplotlib reads."""
    font = font_manager.get_font(list(font_files))
    for table_name, gap_key, ascent_key, descent_key in (("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
                                                         ("hhea", "lineGap", "ascent", "descent")):
        table = font.get_sfnt_table(table_name)
        if table is None:
            continue
        scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * size * dpi / 72  # matplotlib's order of operations
        return table[ascent_key] * scale, -table[descent_key] * scale, table[gap_key] * scale
    return None, None, None  # no tables: matplotlib measures the text instead


def _font_height_metrics(self, prop):
    dpi = getattr(_LAYING_OUT, "dpi", None)
    if dpi is None:  # asked outside a text's layout: matplotlib's own path
        return None, None, None
    return _line_metrics(tuple(font_manager.fontManager._find_fonts_by_props(prop)), prop.get_size_in_points(), dpi)


def _layout(self, renderer):
    outer = getattr(_LAYING_OUT, "dpi", None)
    _LAYING_OUT.dpi = self.get_figure(root=True).dpi
    try:
        return _LAYOUT(self, renderer)
    finally:
        _LAYING_OUT.dpi = outer


@contextlib.contextmanager
def measured_once():
    """Context in which Agg and SVG text measurements and font line metrics are answered from a process cache
    (re-entrant)."""
    global _DEPTH
    with _LOCK:
        if _DEPTH == 0:
            RendererAgg.get_text_width_height_descent = _agg
            TextToPath.get_text_width_height_descent = _svg_text
            if _ASKS_METRICS:
                mtext.Text._get_layout = _layout
                for kind in _METRIC_RENDERERS:
                    kind._get_font_height_metrics = _font_height_metrics
        _DEPTH += 1
    try:
        yield
    finally:
        with _LOCK:
            _DEPTH -= 1
            if _DEPTH == 0:
                for kind, method in _ORIGINALS.items():
                    kind.get_text_width_height_descent = method
                if _ASKS_METRICS:
                    mtext.Text._get_layout = _LAYOUT
                    for kind in _METRIC_RENDERERS:
                        del kind._get_font_height_metrics
