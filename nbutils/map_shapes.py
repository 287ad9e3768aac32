"""The description a map carries for print (:mod:`nbutils.maps` writes it, :mod:`nbutils.map_print` reads it): where
it sits in the map's page, and its polygons in a compact form.

A (multi)polygon is a list of polygons, each a list of rings (the exterior first, then any holes); a ring is its
longitude and latitude in units of :data:`UNIT` degrees (about a metre), as whole numbers: the first point, then
each point's difference from the one before, flattened. Differences between neighbouring vertices are short
numbers: a county's 938 neighbourhoods (LSOAs) take 115 KB, against 274 KB as GeoJSON.
"""

from __future__ import annotations

import numpy as np
import shapely

UNIT = 1e-5  # degrees; 5 decimal places
#: id of the JSON script holding the description in a map's page
SPEC_ID = "nbu-print-map"


def encode(geometry) -> list[list[list[int]]]:
    """A shapely Polygon or MultiPolygon as polygons of rings of whole-number steps (empty for anything else)."""
    polygons = getattr(geometry, "geoms", [geometry])
    return [[_ring(ring) for ring in (polygon.exterior, *polygon.interiors)]
            for polygon in polygons if isinstance(polygon, shapely.Polygon) and not polygon.is_empty]


def decode(polygons: list) -> list[list[np.ndarray]]:
    """Back from :func:`encode`: each polygon as its rings, each an (n, 2) array of longitude and latitude."""
    return [[np.cumsum(np.asarray(ring, dtype=np.int64).reshape(-1, 2), axis=0) * UNIT for ring in polygon]
            for polygon in polygons]


def _ring(ring) -> list[int]:
    steps = np.rint(np.asarray(ring.coords)[:, :2] / UNIT).astype(np.int64)
    steps[1:] -= steps[:-1].copy()
    return steps.ravel().tolist()
