"""The package's chart style and layout: a style context that leaves nothing global behind, a decorator that
draws and prints a chart inside it, and a layout that lets a finished chart be saved without re-measuring.

Importing this module changes nothing global (seaborn is imported only when the style is first used).
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
import textwrap
from dataclasses import dataclass

import matplotlib

from .text_metrics import measured_once

__all__ = ["style", "styled", "fit_layout", "fits_figure", "svg_image", "figure_sizing", "SMALL_TEXT_PT"]

#: The smallest text a chart draws (legends, sources, value labels), in points at the figure's own size. With
#: charts 8 to 9 inches wide, this keeps printed text at 7 pt or more on an A4 page (see :func:`figure_sizing`).
SMALL_TEXT_PT = 9.0
#: Smallest text on paper (points) and on a phone (CSS pixels) that a reader is asked to read.
PRINT_MIN_PT = 7.2  # 7 pt, with room for rounding in the PDF
PHONE_MIN_PX = 10.2
#: How the pack saves a figure as SVG: text kept as text (sharp, searchable, half the size of paths) and ids made
#: from a fixed salt, so that the same figure gives the same file.
SVG_SAVE = {"svg.fonttype": "none", "svg.hashsalt": "nbutils"}
#: Width of the text block of a portrait A4 page of a pack, in points (13 mm margins).
PORTRAIT_TEXT_PT = (210 - 26) / 25.4 * 72


@functools.cache
def _theme() -> dict:
    """The rcParams ``sns.set_theme(style="whitegrid", font_scale=0.95)`` would set, without setting them."""
    import seaborn as sns
    from cycler import cycler

    rc = dict(sns.plotting_context("notebook", font_scale=0.95))
    rc.update(sns.axes_style("whitegrid", rc={"font.family": "sans-serif"}))
    rc["axes.prop_cycle"] = cycler("color", sns.color_palette("deep"))
    # Titles sit just above the axes. Left unset (None), matplotlib measures every y tick label at each draw to
    # see whether a title would collide with ticks on top, which these charts never have.
    rc["axes.titley"] = 1.0
    return rc


@contextlib.contextmanager
def style():
    """Context in which matplotlib figures get the package's chart style; rcParams are restored on exit.

    Examples
    --------
    >>> with style():
    ...     fig, ax = plt.subplots()
    """
    with matplotlib.rc_context(_theme()), measured_once():  # text measured once per process (text_metrics)
        yield


def styled(chart):
    """Draw ``chart`` inside :func:`style`, and print its figure in that style too.

    Some settings are read only when a figure is printed (e.g. the font names an SVG lists), so the figure's
    canvas prints inside :func:`style` as well: ``savefig`` and notebook display give the same image whatever the
    caller's rcParams are.
    """
    @functools.wraps(chart)
    def wrapper(*args, **kwargs):
        with style():
            fig = chart(*args, **kwargs)
        print_figure = fig.canvas.print_figure

        @functools.wraps(print_figure)
        def styled_print_figure(*a, **k):
            with style():
                return print_figure(*a, **k)
        fig.canvas.print_figure = styled_print_figure
        return fig
    return wrapper


def fit_layout(fig, bottom: float = 0.0, top: float = 1.0) -> None:
    """``fig.tight_layout(rect=(0, bottom, 1, top))`` measured once instead of twice.

    With a ``rect``, matplotlib measures every label twice at the same positions (its second pass only moves the
    bottom and top margins by the rect's edges); measuring text is most of a chart's cost, so the margins are
    measured once and moved here. For a single-axes chart the result is identical.
    """
    # The spines lie on the axes' edges, inside the tick labels, title and legend that set the margins; measuring
    # them updates every tick once more per spine (about a tenth of the layout), and changes no chart.
    for ax in fig.axes:
        for spine in ax.spines.values():
            spine.set_in_layout(False)
    fig.tight_layout()
    params = fig.subplotpars
    fig.subplots_adjust(bottom=params.bottom + bottom, top=params.top - (1 - top))
    # Remembered so that saving can skip re-measuring everything for a tight bounding box (see fits_figure).
    fig._nbutils_fitted = _layout_state(fig) if _texts_inside(fig) else None


def _layout_state(fig) -> tuple:
    """What a change after layout would alter: the size, and how many artists each part holds."""
    return (tuple(fig.get_size_inches()), len(fig.texts), len(fig.legends), len(fig.images),
            tuple(len(ax.get_children()) for ax in fig.axes))


def _texts_inside(fig) -> bool:
    """Titles, figure texts and legends lie wholly inside the figure (a long title can overflow to the right,
    which no layout can fix; such a figure is saved with a tight bounding box instead)."""
    renderer = fig.canvas.get_renderer()
    texts = list(fig.texts) + list(fig.legends) + ([fig._suptitle] if fig._suptitle else [])
    for ax in fig.axes:
        texts += [ax.title, ax._left_title, ax._right_title]
        legend = ax.get_legend()
        if legend is not None:
            texts.append(legend)
    bounds = fig.bbox
    for text in texts:
        if not text.get_visible() or (hasattr(text, "get_text") and not text.get_text()):
            continue
        box = text.get_window_extent(renderer)
        if box.x0 < bounds.x0 - 0.5 or box.y0 < bounds.y0 - 0.5 or box.x1 > bounds.x1 + 0.5 or box.y1 > bounds.y1 + 0.5:
            return False
    return True


def fits_figure(fig) -> bool:
    """True when :func:`fit_layout` laid the figure out, everything it checked lies inside, and nothing has been
    added or resized since: such a figure can be saved as it is, without ``bbox_inches="tight"`` (which draws the
    whole figure twice more to measure it, most of a chart's saving time)."""
    state = getattr(fig, "_nbutils_fitted", None)
    return state is not None and state == _layout_state(fig)


def svg_image(fig) -> bytes:
    """The figure as the pack shows it: SVG with text kept as text (:data:`SVG_SAVE`), no date, and the image
    fitted to what is drawn, as ``bbox_inches="tight"`` would fit it.

    A figure that :func:`fits_figure` is saved whole. Any other is drawn once and its tight bounding box measured
    after that draw; the SVG's viewport is then set to the box. Matplotlib's ``"tight"`` would draw the figure
    once more beforehand, only to measure it, which is most of such a chart's saving time.
    """
    if fits_figure(fig):
        return _svg(fig)
    draw = fig.draw

    def draw_and_measure(renderer):
        draw(renderer)
        pad = matplotlib.rcParams["savefig.pad_inches"]  # inside the figure's own style, as savefig reads it
        fig._nbutils_drawn_box = fig.get_tightbbox(renderer).padded(pad)  # inches

    fig.draw = draw_and_measure
    try:
        whole = _svg(fig)
    finally:
        del fig.draw
    # A figure kept by chart_reuse answers a second save from its memory, without drawing: its box is the one
    # measured when it was drawn. (None only if something else saved it first with the same settings.)
    box = getattr(fig, "_nbutils_drawn_box", None)
    cropped = None if box is None else _viewport(whole, box, fig.get_size_inches()[1], fig.get_facecolor())
    return cropped if cropped is not None else _svg(fig, bbox_inches="tight")  # (or a root it does not know)


def _svg(fig, **options) -> bytes:
    buffer = io.BytesIO()
    with matplotlib.rc_context(SVG_SAVE):
        fig.savefig(buffer, format="svg", metadata={"Date": None}, **options)
    return buffer.getvalue()


def _viewport(svg: bytes, box, figure_height_in: float, facecolor) -> bytes | None:
    """``svg`` (a whole figure, drawn in points) shown through ``box`` (inches, from the bottom left); None if
    its root element is not matplotlib's."""
    def points(value: float) -> str:
        return f"{value * 72:f}".rstrip("0").rstrip(".")  # as matplotlib writes its numbers

    left, top = box.x0, figure_height_in - box.y1
    root = (f'width="{points(box.width)}pt" height="{points(box.height)}pt" '
            f'viewBox="{points(left)} {points(top)} {points(box.width)} {points(box.height)}"')
    text, found = re.subn(r'width="[\d.]+pt" height="[\d.]+pt" viewBox="0 0 [\d.]+ [\d.]+"', root,
                          svg.decode("utf-8"), count=1)
    if not found or ' <g id="figure_1">' not in text:
        return None
    red, green, blue, alpha = facecolor
    if alpha > 0:  # the figure's background reaches only its own edges: the box can be larger (a long title)
        fill = "#%02x%02x%02x" % (round(red * 255), round(green * 255), round(blue * 255))
        background = (f' <rect x="{points(left)}" y="{points(top)}" width="{points(box.width)}" '
                      f'height="{points(box.height)}" style="fill: {fill}"/>\n')
        text = text.replace(' <g id="figure_1">', background + ' <g id="figure_1">', 1)
    return text.encode("utf-8")


@dataclass(frozen=True)
class FigureSizing:
    """How a chart is sized on paper and on a phone so that its smallest text stays legible.

    ``print_width_pt``: printed width at which the smallest text is :data:`PRINT_MIN_PT`; ``wide``: that width
    exceeds a portrait page's text block, so the chart prints smaller (a defect of the chart: its text is too
    small for its width; ``tests/test_charts.py`` holds every chart to it); ``phone_width_px``: the width
    (CSS pixels) at which the smallest text is :data:`PHONE_MIN_PX` on screen (a narrower screen scrolls the
    chart sideways rather than shrinking its text).
    """

    width_pt: float
    height_pt: float
    smallest_pt: float
    print_width_pt: float
    wide: bool
    phone_width_px: float

    @property
    def classes(self) -> str:
        return " nbu-figure-wide" if self.wide else ""  # marked, for tests and for the reader's print

    @property
    def style(self) -> str:
        return f"--nbu-print-width:{self.print_width_pt:.0f}pt;--nbu-phone-width:{self.phone_width_px:.0f}px"


def figure_sizing(svg: bytes | str) -> FigureSizing:
    """Print and phone widths of a chart saved as SVG (with text kept as text), from its size and font sizes.

    Matplotlib's SVG is drawn in points (1 user unit = 1 pt at the figure's size), so a chart printed at width W
    scales its text by W / width: the smallest text reaches :data:`PRINT_MIN_PT` at
    ``width * PRINT_MIN_PT / smallest``.
    """
    text = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    size = re.search(r'<svg[^>]*\swidth="([\d.]+)pt"[^>]*\sheight="([\d.]+)pt"', text)
    width, height = (float(size.group(1)), float(size.group(2))) if size else (576.0, 432.0)
    fonts = [float(f) for f in re.findall(r"font-size:\s*([\d.]+)px", text)]
    fonts += [float(f) for f in re.findall(r"font:\s*(?:[a-z0-9]+\s+)*?([\d.]+)px", text)]
    smallest = min(fonts) if fonts else 10.0
    printed = width * PRINT_MIN_PT / smallest
    wide = printed > PORTRAIT_TEXT_PT
    return FigureSizing(width, height, smallest, min(printed, PORTRAIT_TEXT_PT), wide,
                        width * PHONE_MIN_PX / smallest)


#: Widest a chart may be, labels and legend included, for its smallest text (:data:`SMALL_TEXT_PT`) to print at
#: :data:`PRINT_MIN_PT` across a portrait page.
MAX_WIDTH_IN = PORTRAIT_TEXT_PT * SMALL_TEXT_PT / PRINT_MIN_PT / 72 - 0.05


def narrow_to_print(fig, bottom: float = 0.0, top: float = 1.0) -> None:
    """Narrow a laid-out figure whose labels or legend reach beyond :data:`MAX_WIDTH_IN` (a legend to the right of
    the axes, long category names), so that the whole chart prints with its text at 7 pt; the axes give up the
    width, the text keeps its size. Lays the figure out again with :func:`fit_layout`."""
    if fits_figure(fig) and fig.get_size_inches()[0] <= MAX_WIDTH_IN - 0.01:
        return  # laid out inside a figure narrower than the limit: nothing reaches beyond it (no measuring needed)
    renderer = fig.canvas.get_renderer()
    rewrapped = False
    # A title that runs past the width is wrapped shorter (a left title starts at the axes' left edge).
    for title in [t for ax in fig.axes for t in (ax.title, ax._left_title, ax._right_title)]:
        box = title.get_window_extent(renderer)
        left, right = box.x0 / fig.dpi, box.x1 / fig.dpi
        text = " ".join(title.get_text().split())
        if right > MAX_WIDTH_IN and right > left and text:
            longest = max(len(line) for line in title.get_text().splitlines())
            chars = max(int(longest * (MAX_WIDTH_IN - 0.1 - left) / (right - left)), 20)
            title.set_text(textwrap.fill(text, chars))
            rewrapped = True
    if rewrapped:
        fit_layout(fig, bottom=bottom, top=top)
    before = float("inf")
    for _ in range(3):  # the labels' extent changes a little with the axes' width: converge in a few steps
        excess = fig.get_tightbbox(renderer).width - MAX_WIDTH_IN
        if excess <= 0.01 or excess > before - 0.05:  # fits, or a line of text wider than any chart can hold
            return
        before = excess
        width, height = fig.get_size_inches()
        fig.set_size_inches(max(width - excess, 3.0), height)
        fit_layout(fig, bottom=bottom, top=top)
