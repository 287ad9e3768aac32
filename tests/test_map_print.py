"""Maps drawn for print without a browser: the description each folium map carries, and the SVG drawn from it.

The shapes here are fixtures (three squares near Sittingbourne and two made-up units), not real boundaries.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from nbutils import map_print, map_shapes, maps


@pytest.fixture()
def squares() -> gpd.GeoDataFrame:
    """Three fixture squares in a row, about 7 km across each, one with no value."""
    return gpd.GeoDataFrame(
        {"area_name": ["West fixture", "Middle fixture", "East fixture"], "share": [10.0, 40.0, None]},
        geometry=[box(0.70 + 0.1 * i, 51.30, 0.79 + 0.1 * i, 51.36) for i in range(3)], crs="EPSG:4326")


@pytest.fixture()
def units() -> pd.DataFrame:
    return pd.DataFrame({"name": ["Fixture unit A", "Fixture unit B"], "lat": [51.33, 51.331],
                         "lon": [0.75, 0.752], "value": [62.4, None]})


def _spec(fmap) -> dict:
    spec = map_print.read_spec(fmap.get_root().render())
    assert spec is not None
    return spec


def test_a_choropleth_carries_its_shapes_colours_labels_and_legend_for_print(squares):
    spec = _spec(maps.choropleth(squares, "share", "Share (% of fixtures, 2021)", labels=1))
    fills, outline = spec["layers"][0]["fills"], None
    assert spec["caption"] == "Share (% of fixtures, 2021)"
    assert [row[2] for row in spec["legend"]][-1] == "no data"
    assert fills[2] == maps.NO_DATA and fills[0] == maps.SEQUENTIAL[0] and fills[1] != fills[0]
    assert all(re.fullmatch(r"#[0-9a-f]{6}", fill) for fill in fills)
    assert spec["labels"] == [[pytest.approx(0.845), pytest.approx(51.33), "Middle fixture"]]
    assert spec["markers"] == [] and outline is None
    [[ring]] = map_shapes.decode(spec["layers"][0]["geometries"][0])  # one polygon, no hole
    assert np.allclose(ring, np.asarray(squares.geometry[0].exterior.coords), rtol=0, atol=1e-9)


def test_shapes_keep_their_holes_and_parts_to_about_a_metre():
    from shapely.geometry import MultiPolygon, Polygon

    ring = [(0.123456789, 51.0), (0.2, 51.0), (0.2, 51.1), (0.123456789, 51.1), (0.123456789, 51.0)]
    hole = [(0.15, 51.02), (0.16, 51.02), (0.16, 51.03), (0.15, 51.02)]
    shape = MultiPolygon([Polygon(ring, [hole]), Polygon([(1, 52), (1.1, 52), (1.1, 52.1), (1, 52)])])
    polygons = map_shapes.decode(map_shapes.encode(shape))
    assert [len(rings) for rings in polygons] == [2, 1]
    assert polygons[0][0][0].tolist() == pytest.approx([0.12346, 51.0], abs=1e-12)  # rounded to 1e-5 degrees
    assert np.allclose(polygons[0][1], np.asarray(hole), rtol=0, atol=1e-9)
    assert map_shapes.encode(None) == []


def test_the_outline_and_the_units_are_described_too(squares, units):
    outline = gpd.GeoDataFrame(geometry=[squares.union_all()], crs="EPSG:4326")
    spec = _spec(maps.choropleth(squares, "share", "Share (%)", outline=outline, units=units,
                                 units_label="first feed breast milk"))
    assert [layer["fills"] for layer in spec["layers"][1:]] == [[None]]
    assert [m[2] for m in spec["markers"]] == ["Fixture unit A (62.4%)", "Fixture unit B (not published)"]


def test_a_units_map_describes_the_area_its_labels_and_its_key(squares, units):
    spec = _spec(maps.units_map(squares, units, "first feed breast milk"))
    assert [label[2] for label in spec["labels"]] == ["West fixture", "Middle fixture", "East fixture"]
    assert spec["caption"] == "Key" and [row[1] for row in spec["legend"]] == ["box", "dot"]


def test_a_description_with_nothing_to_draw_counts_as_none():
    html = ('<script type="application/json" id="nbu-print-map">'
            '{"layers":[{"geometries":[[]],"fills":[null],"edge":"#fff","width":1,"opacity":1}],"labels":[],'
            '"markers":[],"marker_colour":"#d4351c","legend":[],"caption":"x"}</script>')
    assert map_print.read_spec(html) is None
    assert map_print.read_spec("<html>no description</html>") is None


def test_a_script_end_inside_a_name_cannot_close_the_description_early(squares):
    named = squares.assign(area_name=["</script><b>x", "Middle fixture", "East fixture"], share=[50.0, 1.0, 2.0])
    spec = _spec(maps.choropleth(named, "share", "Share (%)", labels=1))
    assert spec["labels"][0][2] == "</script><b>x"


def test_leaflet_and_the_description_go_into_the_page_as_written(squares):
    # Not compiled as Jinja templates (branca's way with an Element's text): as written, braces and all.
    assert maps._Html("{{ x }} {% raw %}").render() == "{{ x }} {% raw %}"
    fmap = maps.choropleth(squares, "share", "Share (%)", labels=1)
    html = fmap.get_root().render()
    script, css = maps._leaflet_assets()
    assert f"<script>{script}</script>" in html and f"<style>{css}</style>" in html
    assert _spec(fmap)["caption"] == "Share (%)"


def test_the_drawn_map_holds_legend_labels_scale_and_attribution_as_text(squares):
    printed = map_print.draw(_spec(maps.choropleth(squares, "share", "Share (% of fixtures, 2021)", labels=2)))
    text = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", printed.svg))
    for words in ("Share (% of fixtures,", "10 to", "no data", "Middle fixture", " km",
                  "Boundaries: ONS, Open Government"):
        assert words in text, words
    assert printed.key == []
    width, height = (float(v) for v in re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', printed.svg).groups())
    assert (round(width / 72 * 2.54, 1), round(height / 72 * 2.54, 1)) == (16.0, 8.0)  # the size it prints
    sizes = {float(s) for s in re.findall(r"font-size: ([\d.]+)px", printed.svg)}
    assert min(sizes) >= 7.5  # the SVG's units are points, and it prints at its own size (8 cm high)


def test_labels_that_would_overlap_become_numbers_listed_in_the_key(squares, units):
    close = pd.concat([units] * 3, ignore_index=True).assign(name=[f"Unit {c}" for c in "ABCDEF"], value=1.0)
    printed = map_print.draw(_spec(maps.units_map(squares.iloc[:1], close, "a figure")))
    named = [text for _, text in printed.key]
    assert named and set(named) <= {f"Unit {c} (1.0%)" for c in "ABCDEF"}
    assert [number for number, _ in printed.key] == list(range(1, len(named) + 1))
    shown = re.findall(r"<text[^>]*>([^<]*)</text>", printed.svg)
    assert all(str(number) in shown for number, _ in printed.key)


def test_every_text_of_the_drawn_map_lies_inside_it(squares, units, monkeypatch):
    """Measured as drawn: a legend or label running off the picture would be cut on paper."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    spec = _spec(maps.choropleth(squares, "share", "A long caption that has to wrap over several lines "
                                 "(% of everything, 2021)", units=units, units_label="first feed breast milk"))
    figures, save = [], FigureCanvasAgg.print_figure
    # The figure is draw()'s own: kept as it is saved.
    monkeypatch.setattr(FigureCanvasAgg, "print_figure",
                        lambda canvas, *a, **k: figures.append(canvas.figure) or save(canvas, *a, **k))
    map_print.draw(spec)
    fig = figures[0]
    renderer = fig.canvas.get_renderer()
    frame = fig.bbox
    for text in fig.findobj(lambda artist: hasattr(artist, "get_text") and artist.get_visible()):
        if not text.get_text():
            continue
        box = text.get_window_extent(renderer)
        assert frame.x0 - 0.5 <= box.x0 and box.x1 <= frame.x1 + 0.5, text.get_text()
        assert frame.y0 - 0.5 <= box.y0 and box.y1 <= frame.y1 + 0.5, text.get_text()


def test_a_page_map_without_a_description_prints_a_line_saying_where_it_is(tmp_path, squares):
    from nbutils import pdf

    (tmp_path / "sudi").mkdir()
    fmap = maps.choropleth(squares, "share", "Share (%)")
    fmap.save(str(tmp_path / "sudi" / "map_new.html"))
    (tmp_path / "sudi" / "map_old.html").write_text("<html>a map written before maps described themselves</html>")
    page = tmp_path / "sudi.html"
    page.write_text('<p><iframe class="nbu-map" src="sudi/map_new.html" title="Interactive map: A"></iframe>'
                    "<iframe class='nbu-map' src='sudi/map_old.html'></iframe>"
                    "<iframe class='nbu-map' srcdoc='&lt;p&gt;'></iframe><iframe src='other.html'></iframe>")
    drawn = pdf.draw_maps(page)
    assert [d is None for d in drawn] == [False, True, True]
    assert pdf._map_figure(drawn[0])["src"].startswith("data:image/svg+xml;base64,")
