"""Folium choropleths of small areas inside a district, with the district outlined, and maternity units as markers.

Maps work offline and years later: Leaflet (from the XStatic-Leaflet package, installed from PyPI) is inlined
into every map instead of being fetched from a CDN, the legend is plain HTML (no d3), and polygons never depend
on base-map tiles. A light (faded OpenStreetMap) base map loads only when the reader's browser is online; without it,
permanent labels on a few areas and on every marker keep the map readable.

Each map also carries a description of itself for print (:func:`print_spec`: its shapes with their colours,
labels, markers and legend, as JSON), from which :mod:`nbutils.map_print` draws it on paper without a browser.
"""

from __future__ import annotations

import math

import functools
import json
from importlib import resources

import branca.colormap as cm
import folium
from branca.element import Element
import geopandas as gpd
from jinja2 import Template
import numpy as np

from . import fragments, map_shapes

# ColorBrewer 5-class sequential Blues (colour-blind safe, prints in greyscale).
SEQUENTIAL = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"]
NO_DATA = "#bdbdbd"
TILE_OPACITY = 0.45  # a pale base map: polygons and labels stay the strongest thing on the page
UNIT_COLOUR = "#d4351c"
LABEL_STYLE = ("font:bold 11px Arial,sans-serif;color:#0b0c0c;background:rgba(255,255,255,0.85);"
               "padding:1px 3px;border:1px solid #b1b4b6;white-space:nowrap")


def _breaks(values: np.ndarray, classes: int = 5) -> list[float]:
    """Quantile class breaks, rounded for a readable legend, made strictly increasing."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return [0.0, 1.0]
    quantiles = np.quantile(finite, np.linspace(0, 1, classes + 1))
    span = quantiles[-1] - quantiles[0]
    digits = 0 if span >= 20 else 1 if span >= 2 else 2
    breaks = [math.floor(quantiles[0] * 10**digits) / 10**digits]
    for q in quantiles[1:-1]:
        rounded = round(float(q), digits)
        if rounded > breaks[-1]:
            breaks.append(rounded)
    top = math.ceil(quantiles[-1] * 10**digits) / 10**digits
    breaks.append(top if top > breaks[-1] else breaks[-1] + 10**-digits)
    return breaks


class _Html(Element):
    """HTML put into a map's page as it is. Branca compiles an Element's text as a Jinja template: for the inlined
    Leaflet (150 KB) and each map's print description, that cost more than building the map. The one template
    that puts the text in is compiled once, as branca's own element classes compile theirs."""

    _template = Template("{{ this.html }}")

    def __init__(self, html: str) -> None:
        super().__init__()
        self.html = html


@functools.lru_cache(maxsize=1)
def _leaflet_assets() -> tuple[str, str]:
    base = resources.files("xstatic.pkg.leaflet").joinpath("data")
    return base.joinpath("leaflet.js").read_text(), base.joinpath("leaflet.css").read_text()


def _inline_leaflet(fmap: folium.Map) -> None:
    """Replace folium's CDN links (Leaflet, jQuery, Bootstrap, Font Awesome) with inlined Leaflet only.

    The choropleths use nothing but Leaflet's core (GeoJSON layers, tooltips), so the other libraries are
    dropped rather than bundled.
    """
    script, css = _leaflet_assets()
    fmap.default_js = []
    fmap.default_css = []
    header = fmap.get_root().header
    header.add_child(_Html(f"<style>{css}</style>"), name="leaflet_css_inline")
    header.add_child(_Html(f"<script>{script}</script>"), name="leaflet_js_inline")


def _legend_rows(colours: list[str], breaks: list[float], no_data: bool) -> list[tuple[str, str, str]]:
    rows = [(c, "box", f"{breaks[i]:g} to {breaks[i + 1]:g}") for i, c in enumerate(colours)]
    return rows + ([(NO_DATA, "box", "no data")] if no_data else [])


def _legend(colours: list[str], breaks: list[float], caption: str, no_data: bool) -> str:
    return _key_legend(_legend_rows(colours, breaks, no_data), caption)


def _key_legend(items: list[tuple[str, str, str]], caption: str) -> str:
    """A legend of symbols: (fill colour, shape 'box' or 'dot', words) per row (``fragments/map_legend``)."""
    rows = [{"colour": colour, "dot": shape == "dot", "words": words} for colour, shape, words in items]
    return fragments.render("map_legend", rows=rows, caption=caption)


def _label(fmap: folium.Map, lat: float, lon: float, text: str) -> None:
    """A permanent text label (plain HTML, readable offline and by screen readers)."""
    folium.Marker(
        [lat, lon],
        # class_name replaces Leaflet's default white box behind a div icon: only the text's own box shows.
        icon=folium.DivIcon(html=fragments.render("map_label", style=LABEL_STYLE, text=text), icon_size=(0, 0),
                            icon_anchor=(-8, 8), class_name="nbu-label"),
    ).add_to(fmap)


def _spread_labels(shapes: gpd.GeoDataFrame, value: str, name_col: str, n: int) -> list:
    """Up to ``n`` of the highest-valued areas, skipping any too close to one already labelled (labels collide)."""
    minx, miny, maxx, maxy = shapes.total_bounds
    width, height = maxx - minx, maxy - miny

    def clear(point, other) -> bool:  # labels are one line of text running right: wide, not tall
        return abs(point.y - other.y) > 0.07 * height or abs(point.x - other.x) > 0.45 * width

    chosen = []
    for row in shapes.dropna(subset=[value]).sort_values(value, ascending=False).itertuples():
        if len(chosen) == n:
            break
        point = row.geometry.representative_point()
        if all(clear(point, other) for _, other in chosen):
            chosen.append((getattr(row, name_col), point))
    return chosen


def _base(bounds, tiles: bool, room_for_labels: bool = False) -> folium.Map:
    minx, miny, maxx, maxy = bounds
    fmap = folium.Map(tiles=None, control_scale=True, prefer_canvas=False)
    _inline_leaflet(fmap)
    if tiles:  # fetched by the reader's browser only when online; the map makes sense without it
        folium.TileLayer("OpenStreetMap", opacity=TILE_OPACITY, name="Base map (when online)").add_to(fmap)
    # Marker labels run to the right of their point: keep room for them inside the frame.
    padding = {"padding_top_left": (20, 20), "padding_bottom_right": (260, 20)} if room_for_labels else {}
    fmap.fit_bounds([[miny, minx], [maxy, maxx]], **padding)
    return fmap


def add_units(fmap: folium.Map, units, value_label: str, unit_text: str = "%") -> list[list]:
    """Maternity units as markers labelled with their name and figure (``units``: name, lat, lon, value).

    Returns each marker's [lon, lat, label], for print (:func:`print_spec`).
    """
    drawn = []
    for unit in units.itertuples():
        figure = (f"{unit.value:.1f}{unit_text}" if unit.value is not None and unit.value == unit.value
                  else "not published")
        text = f"{unit.name}: {value_label} {figure}"
        folium.CircleMarker([unit.lat, unit.lon], radius=7, color="#0b0c0c", weight=1.5, fill=True,
                            fill_color=UNIT_COLOUR, fill_opacity=1, tooltip=text).add_to(fmap)
        _label(fmap, unit.lat, unit.lon, f"{unit.name} ({figure})")
        drawn.append([float(unit.lon), float(unit.lat), f"{unit.name} ({figure})"])
    return drawn


def units_map(boundary: gpd.GeoDataFrame, units, value_label: str, unit_text: str = "%",
              tiles: bool = True) -> folium.Map:
    """The area's boundary (a county's districts, labelled) with the maternity units near it as markers.

    Parameters
    ----------
    boundary : GeoDataFrame (WGS84) with ``area_name``: the area, or a county's districts.
    units : rows with name, lat, lon and value (the figure shown on each marker).
    value_label : what the figure is, e.g. "first feed breast milk".
    unit_text : written after each figure ('%').
    """
    points = gpd.GeoSeries(gpd.points_from_xy(units.lon, units.lat), crs="EPSG:4326")
    bounds = np.array([boundary.total_bounds, points.total_bounds])
    fmap = _base((bounds[:, 0].min(), bounds[:, 1].min(), bounds[:, 2].max(), bounds[:, 3].max()), tiles,
                 room_for_labels=True)
    folium.GeoJson(boundary[["area_name", "geometry"]], name="Area boundary",
                   style_function=lambda _: {"fillColor": "#bdd7e7", "fillOpacity": 0.35, "color": "#0b0c0c",
                                             "weight": 2},
                   tooltip=folium.GeoJsonTooltip(fields=["area_name"], aliases=["Area"])).add_to(fmap)
    labels = []
    for row in boundary.itertuples():
        point = row.geometry.representative_point()
        _label(fmap, point.y, point.x, row.area_name)
        labels.append([point.x, point.y, row.area_name])
    markers = add_units(fmap, units, value_label, unit_text)
    key = [("#bdd7e7", "box", "the area" if len(boundary) == 1 else "the area's districts"),
           (UNIT_COLOUR, "dot", f"maternity unit (place of care, not residents), labelled with {value_label}")]
    fmap.get_root().html.add_child(_Html(_key_legend(key, "Key")))
    print_spec(fmap, [_layer(boundary, ["#bdd7e7"] * len(boundary), "#0b0c0c", 2, 0.35)], labels, markers,
               key, "Key")
    return fmap


def choropleth(shapes: gpd.GeoDataFrame, value: str, legend: str, name_col: str = "area_name",
               tooltip: dict[str, str] | None = None, outline: gpd.GeoDataFrame | None = None,
               tiles: bool = True, labels: int = 3, units=None, units_label: str = "") -> folium.Map:
    """A choropleth of ``shapes[value]`` with quantile classes.

    Parameters
    ----------
    shapes : GeoDataFrame in WGS84 with the value and a name column.
    value : column to colour by.
    legend : legend caption including units, e.g. "Ethnic minority residents (% of residents, 2021)".
    tooltip : {column: label} shown on hover; columns should already be formatted text.
    outline : boundary drawn on top (the district), no fill.
    labels : how many of the highest-valued areas carry a permanent name label (readable without tiles).
    units : maternity units (name, lat, lon, value) to mark, labelled with ``units_label``'s figure; the map
        widens to show them.
    """
    tooltip = tooltip or {name_col: "Area", value: legend}
    breaks = _breaks(shapes[value].to_numpy(dtype=float))
    colours = SEQUENTIAL[: len(breaks) - 1] if len(breaks) - 1 <= len(SEQUENTIAL) else SEQUENTIAL
    colormap = cm.StepColormap(colours, index=breaks, vmin=breaks[0], vmax=breaks[-1], caption=legend)

    bounds = shapes.total_bounds
    if units is not None and len(units):
        points = gpd.GeoSeries(gpd.points_from_xy(units.lon, units.lat), crs="EPSG:4326").total_bounds
        bounds = (min(bounds[0], points[0]), min(bounds[1], points[1]), max(bounds[2], points[2]),
                  max(bounds[3], points[3]))
    fmap = _base(bounds, tiles, room_for_labels=units is not None and len(units) > 0)

    def fill(v) -> str:
        return NO_DATA if v is None or (isinstance(v, float) and math.isnan(v)) else colormap(v)

    def style(feature):
        return {"fillColor": fill(feature["properties"][value]), "color": "#ffffff", "weight": 0.8, "fillOpacity": 0.85}

    columns = list(dict.fromkeys([name_col, value, *tooltip]))
    folium.GeoJson(
        shapes[[*columns, "geometry"]],
        name=legend,
        style_function=style,
        highlight_function=lambda _: {"weight": 2.5, "color": "#0b0c0c"},
        tooltip=folium.GeoJsonTooltip(fields=list(tooltip), aliases=list(tooltip.values()), sticky=True),
    ).add_to(fmap)
    layers = [_layer(shapes, [fill(v) for v in shapes[value].astype(float)], "#ffffff", 0.8, 0.85)]
    if outline is not None:
        folium.GeoJson(
            outline[["geometry"]], name="District boundary",
            style_function=lambda _: {"fill": False, "color": "#0b0c0c", "weight": 2.5},
        ).add_to(fmap)
        layers.append(_layer(outline, [None] * len(outline), "#0b0c0c", 2.5, 0))
    named = []
    for name, point in _spread_labels(shapes, value, name_col, labels):
        _label(fmap, point.y, point.x, name)
        named.append([point.x, point.y, name])
    markers = add_units(fmap, units, units_label) if units is not None and len(units) else []
    has_missing = bool(shapes[value].isna().any())
    fmap.get_root().html.add_child(_Html(_legend(colours, breaks, legend, has_missing)))
    print_spec(fmap, layers, named, markers, _legend_rows(colours, breaks, has_missing), legend)
    return fmap


def _layer(frame: gpd.GeoDataFrame, fills: list, edge: str, width: float, opacity: float) -> dict:
    """One layer of shapes for print (:mod:`nbutils.map_shapes`), each with its fill colour or None."""
    return {"geometries": [map_shapes.encode(geometry) for geometry in frame.geometry],
            "fills": [None if fill is None else str(fill)[:7] for fill in fills],  # '#rrggbb', without alpha
            "edge": edge, "width": width, "opacity": opacity}


def print_spec(fmap: folium.Map, layers: list[dict], labels: list, markers: list, legend: list, caption: str) -> None:
    """Describe ``fmap`` for print, in a JSON script of its page (id :data:`nbutils.map_shapes.SPEC_ID`).

    Parameters
    ----------
    layers : shapes from bottom to top (:func:`_layer`).
    labels : [lon, lat, text] of each permanent label on an area.
    markers : [lon, lat, text] of each marker, labelled with its text.
    legend : (colour, 'box' or 'dot', words) per row of the legend.
    caption : the legend's caption.
    """
    spec = {"layers": layers, "labels": labels, "markers": markers, "marker_colour": UNIT_COLOUR,
            "legend": [list(row) for row in legend], "caption": caption}
    text = json.dumps(spec, separators=(",", ":")).replace("</", "<\\/")  # no "</script>" inside the script
    script = f'<script type="application/json" id="{map_shapes.SPEC_ID}">{text}</script>'
    fmap.get_root().header.add_child(_Html(script), name="nbu_print_spec")
