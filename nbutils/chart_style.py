"""The package's chart style and layout: a style context that leaves nothing global behind, a decorator that
draws and prints a chart inside it, and a layout that lets a finished chart be saved without re-measuring.

Importing this module changes nothing global (seaborn is imported only when the style is first used).
"""

from __future__ import annotations

import contextlib
import functools

import matplotlib

__all__ = ["style", "styled", "fit_layout", "fits_figure"]


@functools.cache
def _theme() -> dict:
    """The rcParams ``sns.set_theme(style="whitegrid", font_scale=0.95)`` would set, without setting them."""
    import seaborn as sns
    from cycler import cycler

    rc = dict(sns.plotting_context("notebook", font_scale=0.95))
    rc.update(sns.axes_style("whitegrid", rc={"font.family": "sans-serif"}))
    rc["axes.prop_cycle"] = cycler("color", sns.color_palette("deep"))
    return rc


@contextlib.contextmanager
def style():
    """Context in which matplotlib figures get the package's chart style; rcParams are restored on exit.

    Examples
    --------
    >>> with style():
    ...     fig, ax = plt.subplots()
    """
    with matplotlib.rc_context(_theme()):
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
