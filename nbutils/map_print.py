"""Maps drawn for print without a browser: a map's description for print (:func:`nbutils.maps.print_spec`) as SVG.

The printed map shows what the web map shows offline: the shapes in their colours, the area's boundary, the
markers and the permanent labels, with the legend beside the map rather than over it, a scale bar, and the
boundaries' attribution. A label that would run outside the map or over one drawn before it is replaced by a
number, listed under the map (:attr:`PrintedMap.key`). Drawn with matplotlib in the pack's chart style, text kept
as text, at the size it prints (16 x 8 cm), so its smallest text prints at 7.5 pt.
"""

from __future__ import annotations

import functools
import io
import json
import math
import re
import textwrap
import threading
from dataclasses import dataclass, field

from . import map_shapes
from .chart_style import SVG_SAVE, style

#: Printed size (inches): the pack's print styles set a map 8 cm high, and 16 cm fits the A4 text block.
SIZE_IN = (16 / 2.54, 8 / 2.54)
MAP_SHARE = 0.63  # of the width: the map; the legend takes the rest
LABEL_PT = 7.5
LEGEND_PT = 8
INK = "#0b0c0c"
QUIET = "#505a5f"
ATTRIBUTION = "Boundaries: ONS, Open Government\nLicence v3.0. Contains OS data ©\nCrown copyright and database right."
KM_PER_DEGREE = 111.32
#: matplotlib's figures, rcParams and text cache are shared by the whole process: one map is drawn at a time.
_DRAWING = threading.Lock()
_SPEC = re.compile(rf'<script type="application/json" id="{map_shapes.SPEC_ID}">(.*?)</script>', re.S)


@dataclass
class PrintedMap:
    """A map drawn for print: the SVG, and the labels shown on it as numbers, as (number, text)."""

    svg: str
    key: list[tuple[int, str]] = field(default_factory=list)


def read_spec(html: str) -> dict | None:
    """The print description held in a map's HTML page, or None: a map written without one, or with nothing to
    draw (no shape and no marker)."""
    match = _SPEC.search(html)
    spec = json.loads(match.group(1)) if match else None
    if spec and (spec.get("markers") or any(any(layer["geometries"]) for layer in spec["layers"])):
        return spec
    return None


def draw(spec: dict) -> PrintedMap:
    """Draw the map that ``spec`` describes (see :func:`nbutils.maps.print_spec`) as an SVG picture."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with _DRAWING, style():
        font = _font(tuple(matplotlib.rcParams["font.sans-serif"]))
    with _DRAWING, style(), matplotlib.rc_context({"font.family": font}):
        fig = Figure(figsize=SIZE_IN)
        canvas = FigureCanvasAgg(fig)  # measures the labels, to keep them clear of each other
        ax = fig.add_axes((0.004, 0.01, MAP_SHARE, 0.98))
        ax.set_axis_off()
        x0, x1, y0, y1 = _extent(spec, ax.get_position().width * SIZE_IN[0], ax.get_position().height * SIZE_IN[1])
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        for layer in spec["layers"]:
            _draw_layer(ax, layer)
        markers = spec.get("markers", [])
        if markers:
            ax.scatter([m[0] for m in markers], [m[1] for m in markers], s=42, c=spec["marker_colour"],
                       edgecolors=INK, linewidths=0.9, zorder=4)
        key = _labels(ax, canvas.get_renderer(), spec.get("labels", []), markers)
        _scale_bar(ax, x0, x1, y0, y1)
        _legend(fig, spec)
        fig.text(MAP_SHARE + 0.035, 0.02, ATTRIBUTION, fontsize=LABEL_PT, color=QUIET, va="bottom",
                 linespacing=1.3)
        out = io.StringIO()
        with matplotlib.rc_context(SVG_SAVE):
            fig.savefig(out, format="svg", metadata={"Date": None})
    return PrintedMap(out.getvalue(), key)


@functools.cache
def _font(families: tuple[str, ...]) -> str:
    """The first of the chart style's fonts that is installed. The SVG then names the very font its labels were
    measured in, so the browser that prints it sets them in the boxes measured for them (a list starting "Arial"
    would be drawn by Chromium in Liberation Sans where Arial is missing, and measured by matplotlib in DejaVu Sans).
    """
    from matplotlib import font_manager

    for name in families:
        try:
            font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
            return name
        except ValueError:
            continue
    return "sans-serif"


def _extent(spec: dict, width_in: float, height_in: float) -> tuple[float, float, float, float]:
    """Longitude and latitude limits around every shape and marker, widened to the map's shape on paper."""
    import numpy as np

    points = [ring for layer in spec["layers"] for geometry in layer["geometries"]
              for polygon in map_shapes.decode(geometry) for ring in polygon]
    points += [np.array([[m[0], m[1]]]) for m in spec.get("markers", [])]
    xy = np.concatenate(points)
    (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
    squeeze = math.cos(math.radians((y0 + y1) / 2))  # a degree of longitude is shorter than one of latitude
    pad_x, pad_y = 0.04 * (x1 - x0) + 1e-3, 0.04 * (y1 - y0) + 1e-3
    x0, x1, y0, y1 = x0 - pad_x, x1 + pad_x, y0 - pad_y, y1 + pad_y
    if spec.get("markers"):
        x1 += 0.25 * (x1 - x0)  # markers' labels run to the right of them
    ground_w, ground_h = (x1 - x0) * squeeze, y1 - y0
    if ground_w / ground_h < width_in / height_in:  # too tall for the box: widen
        grow = (ground_h * width_in / height_in / squeeze - (x1 - x0)) / 2
        x0, x1 = x0 - grow, x1 + grow
    else:
        grow = (ground_w * height_in / width_in - ground_h) / 2
        y0, y1 = y0 - grow, y1 + grow
    return x0, x1, y0, y1


def _draw_layer(ax, layer: dict) -> None:
    from matplotlib.collections import PatchCollection
    from matplotlib.colors import to_rgba
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path

    patches = [PathPatch(Path.make_compound_path(*(Path(ring, closed=True) for polygon in map_shapes.decode(geometry)
                                                                 for ring in polygon)))
               for geometry in layer["geometries"]]
    faces = [(0, 0, 0, 0) if fill is None else to_rgba(fill, layer["opacity"]) for fill in layer["fills"]]
    ax.add_collection(PatchCollection(patches, facecolors=faces, edgecolors=layer["edge"],
                                      linewidths=layer["width"] * 0.75, zorder=2 if any(layer["fills"]) else 3))


#: Where a label may go, in order of preference: (offset in points, horizontal and vertical alignment).
AROUND = [((5, 0), "left", "center"), ((-5, 0), "right", "center"), ((0, 5), "center", "bottom"),
          ((0, -5), "center", "top")]


def _labels(ax, renderer, labels: list, markers: list) -> list[tuple[int, str]]:
    """Write each label beside its point, clear of the markers and of the labels before it; one that fits nowhere
    inside the map becomes a number (placed as clear as it can be)."""
    frame = ax.get_window_extent(renderer)
    to_pixels = ax.transData.transform
    kept = [_marker_box(*to_pixels((lon, lat))) for lon, lat, _ in markers]
    key = []
    for lon, lat, text in labels + markers:
        note = ax.annotate(text, (lon, lat), xytext=(5, 0), textcoords="offset points", va="center", fontsize=LABEL_PT,
                           fontweight="bold", color=INK, zorder=5,
                           bbox={"boxstyle": "square,pad=0.15", "fc": (1, 1, 1, 0.85), "ec": "#b1b4b6", "lw": 0.5})
        box = _place(note, renderer, frame, kept, AROUND)
        if box is None:
            key.append((len(key) + 1, text))
            note.set_text(str(len(key)))
            box = _place(note, renderer, frame, kept, AROUND) or _place(note, renderer, frame, kept, AROUND[:1], True)
        kept.append(box)
    return key


def _marker_box(x: float, y: float):
    from matplotlib.transforms import Bbox

    return Bbox.from_extents(x - 4, y - 4, x + 4, y + 4)


def _place(note, renderer, frame, kept: list, ways: list, anyway: bool = False):
    """Put ``note`` the first of ``ways`` that lies inside ``frame`` clear of ``kept`` (or, ``anyway``, the last);
    its box, or None."""
    for offset, across, up in ways:
        note.xyann = offset
        note.set_horizontalalignment(across)
        note.set_verticalalignment(up)
        box = note.get_window_extent(renderer).expanded(1.08, 1.3)
        inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
        if inside and not any(box.overlaps(other) for other in kept):
            return box
    return box if anyway else None


def _scale_bar(ax, x0: float, x1: float, y0: float, y1: float) -> None:
    """A kilometre scale in the bottom left corner, about a fifth of the map's width."""
    km_per_degree = KM_PER_DEGREE * math.cos(math.radians((y0 + y1) / 2))
    width_km = (x1 - x0) * km_per_degree
    step = 10 ** math.floor(math.log10(width_km / 5))
    length = max(s * step for s in (1, 2, 5) if s * step <= width_km / 5)
    left, base = x0 + 0.03 * (x1 - x0), y0 + 0.04 * (y1 - y0)
    right, tick = left + length / km_per_degree, 0.015 * (y1 - y0)
    ax.plot([left, left, right, right], [base + tick, base, base, base + tick], color=INK, lw=1, zorder=6,
            solid_capstyle="butt")
    ax.text((left + right) / 2, base + 1.6 * tick, f"{length:g} km", ha="center", va="bottom", fontsize=LABEL_PT,
            color=INK, zorder=6, bbox={"boxstyle": "square,pad=0.1", "fc": (1, 1, 1, 0.7), "ec": "none"})


def _legend(fig, spec: dict) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles, words = [], []
    for colour, shape, text in spec["legend"]:
        if shape == "dot":
            handles.append(Line2D([], [], marker="o", linestyle="", markersize=6, markerfacecolor=colour,
                                  markeredgecolor=INK, markeredgewidth=0.9))
        else:
            handles.append(Patch(facecolor=colour, edgecolor="#b1b4b6", linewidth=0.5))
        words.append(textwrap.fill(text, 28))
    legend = fig.legend(handles, words, loc="upper left", bbox_to_anchor=(MAP_SHARE + 0.025, 0.99), frameon=False,
                        fontsize=LEGEND_PT, title=textwrap.fill(spec["caption"], 28), title_fontsize=LEGEND_PT,
                        alignment="left", handlelength=1.4, handleheight=1.1, borderaxespad=0, labelspacing=0.45)
    legend.get_title().set_fontweight("bold")
