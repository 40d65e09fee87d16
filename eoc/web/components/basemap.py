"""The offline basemap: a MapLibre style built from the shipped context layers.

No remote source: labels use the glyphs served from assets/, so the map of Tajikistan draws
with no network at all. Online raster tiles are an opt-in setting.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd

import layers
from eoc.i18n import PLACE_NAME_FIELDS
from eoc.web.components.geojson import to_geojson

GLYPHS_URL = "/assets/glyphs/{fontstack}/{range}.pbf"
LABEL_FONT = "Noto Sans Regular"
LABEL_SIZE_PX = 11  # at a desk; the wall scales it with the screen (`localise_labels`)
DOT_RADIUS_PX = 2.5
PLACE_LABELS = "places-label"  # the id of the place-name layer; map traces go beneath it
# Label fields a basemap layer carries when its data has them: the Cyrillic names of a
# place (GeoNames alternate names) are shown on Tajik and Russian pages.
LABEL_FIELDS = ("name", "name_tg", "name_ru")
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
        labels = tuple(
            f for f in LABEL_FIELDS if f in spec.field_names and f in context[name].columns
        )
        sources[name] = {
            "type": "geojson",
            "data": to_geojson(
                context[name],
                labels,
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
            "paint": {"circle-radius": DOT_RADIUS_PX, "circle-color": style.color},
        },
        {
            "id": f"{name}-label",
            "type": "symbol",
            "source": name,
            "layout": {
                "text-field": label_text("en"),
                "text-font": [LABEL_FONT],
                "text-size": LABEL_SIZE_PX,
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


def label_text(lang: str) -> list:
    """A MapLibre expression: the name in `lang` where the data has one, else the other
    Cyrillic name, else the name (the order of `eoc.i18n.place_name`)."""
    fields = PLACE_NAME_FIELDS.get(lang, ())
    if not fields:
        return ["get", "name"]
    return ["coalesce", *(["get", field] for field in (*fields, "name"))]


def localise_labels(style: dict, *, lang: str, scale: float = 1.0) -> dict:
    """`style` with its point labels in `lang` and labels and dots `scale` times larger.

    A new dict sharing the (large) sources: only the few label and dot layers are copied, so
    the cached style is never changed and the call costs nothing per request.
    """
    if lang == "en" and scale == 1.0:
        return style
    drawn = []
    for layer in style.get("layers", []):
        if layer.get("type") == "symbol":
            layout = {**layer["layout"], "text-field": label_text(lang)}
            layout["text-size"] = round(LABEL_SIZE_PX * scale, 1)
            paint = {**layer.get("paint", {}), "text-halo-width": round(1.2 * scale, 1)}
            layer = {**layer, "layout": layout, "paint": paint}
        elif layer.get("type") == "circle" and scale != 1.0:
            paint = {**layer["paint"], "circle-radius": round(DOT_RADIUS_PX * scale, 1)}
            layer = {**layer, "paint": paint}
        drawn.append(layer)
    return {**style, "layers": drawn}
