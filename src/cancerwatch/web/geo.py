"""Sub-ICB boundaries for the map: ONS shapefile (British National Grid) → simplified GeoJSON.

Source: ONS Open Geography Portal, "Sub Integrated Care Board Locations (April 2023)
Boundaries EN BGC" (``data/geo/SICBL_APR_2023_EN_BGC.shp``, Open Government Licence). The
shapefile is read with ``pyshp``; rings are simplified with the Douglas–Peucker algorithm in
grid metres (tolerance :data:`SIMPLIFY_METRES`), then converted to WGS84 longitude and latitude
for Plotly's ``go.Choropleth`` (which draws on a globe, so needs degrees):

1. easting/northing → OSGB36 latitude/longitude: the inverse transverse Mercator projection of
   the Ordnance Survey, "A guide to coordinate systems in Great Britain" (v3.6, 2020), annex C
   (formulae C.1–C.8), Airy 1830 ellipsoid, national grid constants from the ``.prj`` file;
2. OSGB36 → WGS84: the 7-parameter Helmert transformation of the same guide, section 6.6
   (accurate to a few metres, far below the simplification tolerance).

Features carry the ONS code and the ODS code that ends each name ("NHS Sussex ICB - 70F"): the
map joins figures on the ODS code, because ONS gave some locations new codes when their
boundaries changed in April 2023 (70F and 92A) while NHS England's figures keep the ODS code.

Rings keep the shapefile's winding (exterior rings clockwise), which is what d3-geo, and so
Plotly, expects. The result is built once per file and cached in memory.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from functools import cache
from pathlib import Path

import numpy as np
import shapefile

DEFAULT_BOUNDARIES = Path(__file__).resolve().parents[3] / "data" / "geo" / "SICBL_APR_2023_EN_BGC.shp"
SIMPLIFY_METRES = 250.0
ODS_SUFFIX = re.compile(r" - ([0-9A-Z]{3,5})$")
DECIMALS = 4  # about 10 m

# National Grid on the Airy 1830 ellipsoid (OS guide, tables A.1 and A.2).
AIRY_A, AIRY_B = 6377563.396, 6356256.909
F0 = 0.9996012717
LAT0, LON0 = math.radians(49.0), math.radians(-2.0)
E0, N0 = 400000.0, -100000.0
# GRS80 / WGS84 ellipsoid.
WGS_A, WGS_B = 6378137.0, 6356752.3141
# Helmert OSGB36 → WGS84 (OS guide 6.6, signs reversed from the WGS84 → OSGB36 table).
HELMERT_T = (446.448, -125.157, 542.060)
HELMERT_S_PPM = -20.4894
HELMERT_R_ARCSEC = (0.1502, 0.2470, 0.8421)


def _meridional_arc(phi: np.ndarray) -> np.ndarray:
    n = (AIRY_A - AIRY_B) / (AIRY_A + AIRY_B)
    d, s = phi - LAT0, phi + LAT0
    return (
        AIRY_B
        * F0
        * (
            (1 + n + 5 / 4 * n**2 + 5 / 4 * n**3) * d
            - (3 * n + 3 * n**2 + 21 / 8 * n**3) * np.sin(d) * np.cos(s)
            + (15 / 8 * n**2 + 15 / 8 * n**3) * np.sin(2 * d) * np.cos(2 * s)
            - 35 / 24 * n**3 * np.sin(3 * d) * np.cos(3 * s)
        )
    )


def grid_to_osgb36(east: np.ndarray, north: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """National Grid easting/northing (m) → OSGB36 latitude, longitude (radians); OS guide C.6–C.8."""
    e2 = 1 - AIRY_B**2 / AIRY_A**2
    phi = (north - N0) / (AIRY_A * F0) + LAT0
    for _ in range(20):  # converges to 0.01 mm in a handful of steps
        m = _meridional_arc(phi)
        step = (north - N0 - m) / (AIRY_A * F0)
        phi = phi + step
        if np.max(np.abs(north - N0 - m)) < 1e-5:
            break
    sin2 = np.sin(phi) ** 2
    nu = AIRY_A * F0 / np.sqrt(1 - e2 * sin2)
    rho = AIRY_A * F0 * (1 - e2) / (1 - e2 * sin2) ** 1.5
    eta2 = nu / rho - 1
    t, sec = np.tan(phi), 1 / np.cos(phi)
    t2, t4, t6 = t**2, t**4, t**6
    vii = t / (2 * rho * nu)
    viii = t / (24 * rho * nu**3) * (5 + 3 * t2 + eta2 - 9 * t2 * eta2)
    ix = t / (720 * rho * nu**5) * (61 + 90 * t2 + 45 * t4)
    x = sec / nu
    xi = sec / (6 * nu**3) * (nu / rho + 2 * t2)
    xii = sec / (120 * nu**5) * (5 + 28 * t2 + 24 * t4)
    xiia = sec / (5040 * nu**7) * (61 + 662 * t2 + 1320 * t4 + 720 * t6)
    de = east - E0
    lat = phi - vii * de**2 + viii * de**4 - ix * de**6
    lon = LON0 + x * de - xi * de**3 + xii * de**5 - xiia * de**7
    return lat, lon


def osgb36_to_wgs84(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OSGB36 → WGS84 latitude, longitude (radians) by the Helmert transformation (OS guide 6.6)."""
    e2 = 1 - AIRY_B**2 / AIRY_A**2
    nu = AIRY_A / np.sqrt(1 - e2 * np.sin(lat) ** 2)
    x = nu * np.cos(lat) * np.cos(lon)
    y = nu * np.cos(lat) * np.sin(lon)
    z = (1 - e2) * nu * np.sin(lat)
    s = 1 + HELMERT_S_PPM * 1e-6
    rx, ry, rz = (math.radians(r / 3600) for r in HELMERT_R_ARCSEC)
    tx, ty, tz = HELMERT_T
    x2 = tx + s * x - rz * y + ry * z
    y2 = ty + rz * x + s * y - rx * z
    z2 = tz - ry * x + rx * y + s * z
    e2w = 1 - WGS_B**2 / WGS_A**2
    p = np.hypot(x2, y2)
    lat2 = np.arctan2(z2, p * (1 - e2w))
    for _ in range(10):
        nu2 = WGS_A / np.sqrt(1 - e2w * np.sin(lat2) ** 2)
        lat2 = np.arctan2(z2 + e2w * nu2 * np.sin(lat2), p)
    return lat2, np.arctan2(y2, x2)


def grid_to_wgs84(east, north) -> tuple[np.ndarray, np.ndarray]:
    """National Grid metres → WGS84 (longitude, latitude) in degrees."""
    lat, lon = grid_to_osgb36(np.asarray(east, dtype=float), np.asarray(north, dtype=float))
    lat, lon = osgb36_to_wgs84(lat, lon)
    return np.degrees(lon), np.degrees(lat)


def simplify(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Douglas–Peucker simplification of a closed or open line (first and last points kept)."""
    if len(points) < 4:
        return points
    keep = np.zeros(len(points), dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        start, end = stack.pop()
        if end - start < 2:
            continue
        a, b = points[start], points[end]
        seg = points[start + 1 : end]
        ab = b - a
        length = math.hypot(*ab)
        if length == 0:
            dist = np.hypot(*(seg - a).T)
        else:
            dist = np.abs(ab[0] * (seg[:, 1] - a[1]) - ab[1] * (seg[:, 0] - a[0])) / length
        i = int(np.argmax(dist))
        if dist[i] > tolerance:
            mid = start + 1 + i
            keep[mid] = True
            stack.extend([(start, mid), (mid, end)])
    return points[keep]


def _signed_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))


def _polygons(shape, tolerance: float) -> list[list[list[list[float]]]]:
    """Shape parts → GeoJSON MultiPolygon coordinates (exteriors clockwise, holes after them)."""
    pts = np.asarray(shape.points, dtype=float)
    bounds = [*shape.parts, len(pts)]
    polygons: list[list[np.ndarray]] = []
    largest: tuple[float, np.ndarray] | None = None
    for start, end in itertools.pairwise(bounds):
        ring = pts[start:end]
        area = _signed_area(ring)
        if largest is None or abs(area) > largest[0]:
            largest = (abs(area), ring)
        small = simplify(ring, tolerance)
        if len(small) < 4:
            continue  # an islet smaller than the tolerance
        if area <= 0 or not polygons:  # clockwise: a new exterior ring
            polygons.append([small])
        else:
            polygons[-1].append(small)
    if not polygons and largest is not None:
        polygons = [[largest[1]]]
    out = []
    for rings in polygons:
        converted = []
        for ring in rings:
            lon, lat = grid_to_wgs84(ring[:, 0], ring[:, 1])
            coords = np.round(np.column_stack([lon, lat]), DECIMALS)
            converted.append(coords.tolist())
        out.append(converted)
    return out


@cache
def boundaries_geojson(path: Path = DEFAULT_BOUNDARIES, tolerance: float = SIMPLIFY_METRES) -> str:
    """Simplified WGS84 GeoJSON text of the sub-ICB boundaries (properties: ONS code, ODS code, name)."""
    reader = shapefile.Reader(str(path))
    fields = [f[0] for f in reader.fields[1:]]
    features = []
    for shape_rec in reader.iterShapeRecords():
        rec = dict(zip(fields, shape_rec.record, strict=False))
        code, name = rec.get("SICBL23CD"), str(rec.get("SICBL23NM") or "")
        ods = ODS_SUFFIX.search(name)
        features.append(
            {
                "type": "Feature",
                "id": code,
                "properties": {"ons_code": code, "ods_code": ods.group(1) if ods else None, "name": name},
                "geometry": {"type": "MultiPolygon", "coordinates": _polygons(shape_rec.shape, tolerance)},
            }
        )
    reader.close()
    return json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))


@cache
def boundary_codes(path: Path = DEFAULT_BOUNDARIES) -> frozenset[str]:
    """ODS codes of the sub-ICB locations that have a boundary (empty if the file is missing)."""
    if not path.exists():
        return frozenset()
    features = json.loads(boundaries_geojson(path))["features"]
    return frozenset(f["properties"]["ods_code"] for f in features if f["properties"]["ods_code"])
