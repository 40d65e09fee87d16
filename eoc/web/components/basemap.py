"""The offline basemap: a MapLibre style built from the shipped context layers.

No remote source: labels use the glyphs served from assets/, so the map of Tajikistan draws
with no network at all. Online raster tiles are an opt-in setting.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd

import layers
from eoc.web.components.geojson import to_geojson

GLYPHS_URL = "/assets/glyphs/{fontstack}/{range}.pbf"
LABEL_FONT = "Noto Sans Regular"
BACKGROUND = "#e4e4df"  # close to the neighbours fill, so the data box edge is faint
ONLINE_TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
BASEMAP_LAYERS = (
    "neighbours",
    "country",
    "lakes",
    "districts",
    "regions",
    "rivers",
    "roads",
    "border",
    "places",
)


def build_basemap_style(
    context: Mapping[str, gpd.GeoDataFrame], *, online_tiles: bool = False
) -> dict:
    """A MapLibre style dict drawing the context layers in `context` (names from BASEMAP_LAYERS)."""
    sources: dict[str, dict] = {}
    style_layers: list[dict] = [
        {"id": "background", "type": "background", "paint": {"background-color": BACKGROUND}}
    ]
    if online_tiles:
        sources["osm"] = {
            "type": "raster",
            "tiles": [ONLINE_TILES_URL],
            "tileSize": 256,
            "attribution": "© OpenStreetMap contributors",
        }
        style_layers.append({"id": "osm", "type": "raster", "source": "osm"})
    for name in BASEMAP_LAYERS:
        if name not in context:
            continue
        spec = layers.get(name)
        label = "name" if "name" in spec.field_names else None
        sources[name] = {
            "type": "geojson",
            "data": to_geojson(
                context[name],
                (label,) if label else (),
                simplify_deg=0.0 if spec.geometry == "Point" else 0.002,
            ),
        }
        style_layers.extend(_draw(name, spec, online_tiles=online_tiles))
    return {
        "version": 8,
        "name": "eoc-offline",
        "glyphs": GLYPHS_URL,
        "sources": sources,
        "layers": style_layers,
    }


def _draw(name: str, spec: layers.LayerSpec, *, online_tiles: bool) -> list[dict]:
    style = spec.style
    if spec.geometry == "Polygon":
        drawn = []
        if style.fill_opacity and not online_tiles:
            drawn.append(
                {
                    "id": f"{name}-fill",
                    "type": "fill",
                    "source": name,
                    "paint": {"fill-color": style.color, "fill-opacity": style.fill_opacity},
                }
            )
        drawn.append(
            {
                "id": f"{name}-line",
                "type": "line",
                "source": name,
                "paint": {"line-color": style.color, "line-width": style.line_width},
            }
        )
        return drawn
    if spec.geometry == "LineString":
        return [
            {
                "id": f"{name}-line",
                "type": "line",
                "source": name,
                "paint": {"line-color": style.color, "line-width": style.line_width},
            }
        ]
    return [
        {
            "id": f"{name}-dot",
            "type": "circle",
            "source": name,
            "paint": {"circle-radius": 2.5, "circle-color": style.color},
        },
        {
            "id": f"{name}-label",
            "type": "symbol",
            "source": name,
            "layout": {
                "text-field": ["get", "name"],
                "text-font": [LABEL_FONT],
                "text-size": 11,
                "text-offset": [0, 0.9],
                "text-anchor": "top",
                "text-optional": True,
            },
            "paint": {
                "text-color": "#222222",
                "text-halo-color": "#ffffff",
                "text-halo-width": 1.2,
            },
        },
    ]
