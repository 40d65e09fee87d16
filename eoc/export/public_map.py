"""The public map as one standalone HTML file (folium/Leaflet) that opens offline from file://.

The same public view as /public: every frame goes through `eoc.publish.public_layers` here,
so a caller cannot hand raw data to the file. Leaflet comes from the `xstatic-leaflet`
package, inlined as data: URIs; there are no tiles (the shipped context layers are the
basemap), no plugin and no reference to any other host.
"""

from __future__ import annotations

import base64
import html
import os
import tempfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import folium
import geopandas as gpd
import xstatic.pkg.leaflet as xstatic_leaflet

import layers
from eoc.i18n import N_, _, current_language
from eoc.publish import PUBLIC_NOTE, PUBLISHED_LAYERS, public_layers, public_tooltip
from eoc.store import Store
from eoc.web.components.basemap import BASEMAP_LAYERS
from eoc.web.components.footer import ATTRIBUTION, SCENARIO_NOTICE, format_data_time
from eoc.web.components.geojson import to_geojson
from eoc.web.components.map_figure import format_value
from eoc.web.components.view import COUNTRY_BOUNDS

TITLE = N_("Tajikistan: displacement, hazards and community projects (public map)")
BASEMAP = BASEMAP_LAYERS
BASEMAP_SIMPLIFY_DEG = 0.002  # ~200 m: invisible at country scale, keeps the file small
OPERATIONAL_SIMPLIFY_DEG = 0.001
BACKGROUND = "#e4e4df"
LEAFLET_DIR = Path(xstatic_leaflet.BASE_DIR)


def build_public_map_html(
    frames: Mapping[str, gpd.GeoDataFrame],
    context: Mapping[str, gpd.GeoDataFrame],
    *,
    version: int | None = None,
    data_time: datetime | None = None,
) -> str:
    """The public map of the operational `frames` over the `context` layers, as HTML.

    Both mappings are keyed by layer name and are redacted here (public fields only, no
    sensitive rows or layers, rounded figures and coordinates).
    """
    operational = public_layers({n: frames[n] for n in PUBLISHED_LAYERS if n in frames})
    basemap = public_layers({name: context[name] for name in BASEMAP if name in context})
    west, south, east, north = COUNTRY_BOUNDS
    fmap = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=7,
        tiles=None,
        attribution_control=False,  # its default prefix links to leafletjs.com
        control_scale=True,
    )
    # Per instance, not on the class: only Leaflet, inlined (no jQuery, Bootstrap, fonts).
    fmap.default_js = [("leaflet", _data_uri(LEAFLET_DIR / "leaflet.js", "text/javascript"))]
    fmap.default_css = [("leaflet_css", _data_uri(LEAFLET_DIR / "leaflet.css", "text/css"))]
    fmap.get_root().title = _(TITLE)
    fmap.get_root().header.add_child(folium.Element(_STYLE))
    for name, gdf in basemap.items():
        _add_context(fmap, name, gdf)
    for name, spec in layers.REGISTRY.items():
        if name in operational and spec.kind == "operational":
            _add_operational(fmap, spec, operational[name])
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.fit_bounds([[south, west], [north, east]])
    fmap.get_root().html.add_child(folium.Element(_footer(version, data_time)))
    page = fmap.get_root().render()
    return page.replace("<html>", f'<html lang="{current_language()}">', 1)


def write_public_map(store: Store, out_path: str | os.PathLike[str]) -> Path:
    """Write the public map of `store` to `out_path` (replaced whole, never half-written)."""
    frames = {name: store.read_layer(name) for name in PUBLISHED_LAYERS}
    context = {name: store.read_layer(name) for name in BASEMAP}
    text = build_public_map_html(
        frames, context, version=store.version(), data_time=store.data_time()
    )
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # a file for the public: readable by the web server that hosts it
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def escape_text(value: object, field: layers.Field | None = None) -> str:
    """A data value as text that is inert in HTML and inside a JavaScript template literal."""
    text = html.escape(format_value(value, field), quote=True)
    # folium puts some text in `...` literals, where these three still mean something.
    return text.replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")


def _data_uri(path: Path, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _features(
    gdf: gpd.GeoDataFrame,
    spec: layers.LayerSpec,
    fields: tuple[str, ...],
    *,
    simplify_deg: float,
) -> dict:
    """GeoJSON of `gdf` whose properties are `fields`, every value escaped text."""
    texts = gpd.GeoDataFrame(
        {name: [escape_text(v, spec.field(name)) for v in gdf[name]] for name in fields},
        geometry=gdf.geometry,
        crs=gdf.crs,
    )
    return to_geojson(texts, fields, simplify_deg=simplify_deg)


def _add_context(fmap: folium.Map, name: str, gdf: gpd.GeoDataFrame) -> None:
    spec = layers.get(name)
    style = spec.style
    if spec.geometry == "Point":
        label = ("name",) if "name" in gdf.columns else ()
        folium.GeoJson(
            _features(gdf, spec, label, simplify_deg=0.0),
            name=escape_text(_(spec.title)),
            control=False,
            marker=folium.CircleMarker(
                radius=2, color=style.color, fill=True, fill_opacity=1, weight=1
            ),
            tooltip=folium.GeoJsonTooltip(fields=list(label), labels=False) if label else None,
        ).add_to(fmap)
        return
    filled = spec.geometry == "Polygon" and style.fill_opacity > 0
    folium.GeoJson(
        _features(gdf, spec, (), simplify_deg=BASEMAP_SIMPLIFY_DEG),
        name=escape_text(_(spec.title)),
        control=False,
        interactive=False,
        style_function=lambda _f, c=style.color, w=style.line_width, o=style.fill_opacity: {
            "color": c,
            "weight": w,
            "fillColor": c,
            "fillOpacity": o if filled else 0,
            "fill": filled,
        },
    ).add_to(fmap)


def _add_operational(fmap: folium.Map, spec: layers.LayerSpec, gdf: gpd.GeoDataFrame) -> None:
    fields = public_tooltip(spec)
    key = spec.style.color_by if spec.style.color_by in gdf.columns else None
    colours = [spec.style.color_of(v) for v in gdf[key]] if key else [spec.style.color] * len(gdf)
    data = _features(gdf, spec, fields, simplify_deg=OPERATIONAL_SIMPLIFY_DEG)
    for feature, colour in zip(data["features"], colours, strict=True):
        feature["properties"]["colour"] = colour
    common = {
        "name": escape_text(_(spec.title)),
        "show": True,
        "style_function": lambda f, s=spec.style: {
            "color": f["properties"]["colour"],
            "fillColor": f["properties"]["colour"],
            "weight": 1.5 if spec.geometry == "Point" else s.line_width,
            "fillOpacity": 0.85 if spec.geometry == "Point" else s.fill_opacity,
        },
        "tooltip": folium.GeoJsonTooltip(
            fields=list(fields), aliases=[escape_text(_(spec.field(f).title)) for f in fields]
        ),
    }
    if spec.geometry == "Point":
        radius = max(spec.style.marker_size // 2, 4)
        common["marker"] = folium.CircleMarker(radius=radius, fill=True)
    folium.GeoJson(data, **common).add_to(fmap)


def _footer(version: int | None, data_time: datetime | None) -> str:
    parts = [
        f"<b>{escape_text(_('Data time:'))}</b> {escape_text(format_data_time(data_time))}",
        f"<b>{escape_text(_('Store version:'))}</b> "
        f"{escape_text(_('unknown') if version is None else str(version))}",
    ]
    return (
        '<div class="eoc-public-footer">'
        f"<div>{' · '.join(parts)}</div>"
        f"<div>{escape_text(_(PUBLIC_NOTE))}</div>"
        f"<div><i>{html.escape(_(SCENARIO_NOTICE))}</i></div>"
        f"<div>{html.escape(_(ATTRIBUTION))}</div>"
        "</div>"
    )


_STYLE = f"""<style>
.folium-map {{ background: {BACKGROUND}; }}
.eoc-public-footer {{
  position: absolute; right: 8px; bottom: 8px; z-index: 1000; max-width: 60%;
  background: rgba(255, 255, 255, 0.9); padding: 4px 8px; border-radius: 4px;
  font: 12px "Noto Sans", "DejaVu Sans", Arial, sans-serif; color: #1d2733;
}}
</style>"""
