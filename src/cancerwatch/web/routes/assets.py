"""``/assets/plotly.min.js``: Plotly's JavaScript served from the installed ``plotly`` package.

The file is not vendored into cancerwatch and no CDN is used: the copy shipped inside the Python
package (``plotly/package_data/plotly.min.js``) is the one the figures were written for.

``/assets/topojson/{name}.json``: plotly.js fetches a world base map (from cdn.plot.ly by default)
for every ``choropleth`` trace, even one drawn from its own GeoJSON with the base map hidden.
The map page points plotly's ``topojsonURL`` here, and this route answers with an empty
topology that has the layers plotly looks for, so the page makes no third-party request.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path
from fastapi.responses import FileResponse, JSONResponse

router = APIRouter()
TOPOJSON_LAYERS = ("coastlines", "countries", "lakes", "land", "ocean", "rivers", "subunits")
EMPTY_TOPOLOGY = {
    "type": "Topology",
    "objects": {name: {"type": "GeometryCollection", "geometries": []} for name in TOPOJSON_LAYERS},
    "arcs": [],
    "transform": {"scale": [1, 1], "translate": [0, 0]},
}


@cache
def plotly_js_path() -> FilePath | None:
    """Path of ``plotly.min.js`` inside the installed plotly package, or None."""
    try:
        path = FilePath(str(resources.files("plotly").joinpath("package_data/plotly.min.js")))
    except ModuleNotFoundError:
        return None
    return path if path.exists() else None


@router.get("/assets/plotly.min.js", include_in_schema=False)
def plotly_js() -> FileResponse:
    """Plotly.js, cacheable for a day."""
    path = plotly_js_path()
    if path is None:
        raise HTTPException(404, "plotly.js is not installed")
    return FileResponse(path, media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"})


@router.get("/assets/topojson/{name}.json", include_in_schema=False)
def empty_topojson(name: Annotated[str, Path(pattern=r"^[a-z-]+_(110|50)m$")]) -> JSONResponse:
    """An empty base map for plotly.js (see module docstring)."""
    return JSONResponse(EMPTY_TOPOLOGY, headers={"Cache-Control": "public, max-age=86400"})
