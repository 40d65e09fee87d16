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
from datetime import UTC, datetime
from pathlib import Path

import folium
import geopandas as gpd
import xstatic.pkg.leaflet as xstatic_leaflet
from branca.element import MacroElement
from jinja2 import Template

import layers
from eoc.analysis.active import active_at
from eoc.analysis.projects import project_totals
from eoc.exercise.marking import PUBLIC_BANNER_TEXT, exercise_title
from eoc.i18n import N_, _, current_language, place_name, spells_names
from eoc.publish import PUBLIC_NOTE, PUBLISHED_LAYERS, public_layers, public_tooltip
from eoc.store import Store
from eoc.web.components.basemap import BASEMAP_LAYERS
from eoc.web.components.footer import ATTRIBUTION, SCENARIO_NOTICE, format_data_time
from eoc.web.components.geojson import to_geojson
from eoc.web.components.map_figure import format_value
from eoc.web.components.map_legend import legend_entries
from eoc.web.components.project_chart import (
    PUBLIC_SUMMARIES,
    build_project_bars_html,
    region_labels,
)
from eoc.web.components.view import COUNTRY_BOUNDS

TITLE = N_("Tajikistan: displacement, hazards and community projects (public map)")
BASEMAP = BASEMAP_LAYERS
BASEMAP_SIMPLIFY_DEG = 0.002  # ~200 m: invisible at country scale, keeps the file small
OPERATIONAL_SIMPLIFY_DEG = 0.001
BACKGROUND = "#e4e4df"
LEAFLET_DIR = Path(xstatic_leaflet.BASE_DIR)
PLACE_LABELS = 30  # the capitals and the most populous places are named on the map
PROJECTS = "infrastructure_projects"


class MetricScale(MacroElement):
    """Leaflet's scale bar in kilometres only (its default adds miles, read by nobody here)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )


def build_public_map_html(
    frames: Mapping[str, gpd.GeoDataFrame],
    context: Mapping[str, gpd.GeoDataFrame],
    *,
    version: int | None = None,
    data_time: datetime | None = None,
    exercise: bool = False,
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
        height="72vh",  # the project charts follow below the map
        tiles=None,
        attribution_control=False,  # its default prefix links to leafletjs.com
        control_scale=False,  # folium's own scale adds miles: the metric one follows
    )
    # Per instance, not on the class: only Leaflet, inlined (no jQuery, Bootstrap, fonts).
    fmap.default_js = [("leaflet", _data_uri(LEAFLET_DIR / "leaflet.js", "text/javascript"))]
    fmap.default_css = [("leaflet_css", _data_uri(LEAFLET_DIR / "leaflet.css", "text/css"))]
    MetricScale().add_to(fmap)
    fmap.get_root().title = _(TITLE)
    fmap.get_root().header.add_child(folium.Element(_STYLE))
    for name, gdf in basemap.items():
        _add_context(fmap, name, gdf)
    if "places" in basemap:
        _add_place_labels(fmap, basemap["places"])
    shown = []
    for name, spec in layers.REGISTRY.items():
        if name in operational and spec.kind == "operational":
            _add_operational(fmap, spec, operational[name])
            shown.append(name)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.fit_bounds([[south, west], [north, east]])
    root = fmap.get_root()
    if exercise:  # made from an exercise sandbox: said before anything else
        root.html.add_child(folium.Element(_exercise_banner()))
    root.html.add_child(folium.Element(_title()))
    root.html.add_child(folium.Element(_legend(shown)))
    root.html.add_child(folium.Element(_footer(version, data_time)))
    root.html.add_child(folium.Element(_charts(operational, basemap)))
    page = fmap.get_root().render()
    return page.replace("<html>", f'<html lang="{current_language()}">', 1)


def write_public_map(
    store: Store, out_path: str | os.PathLike[str], *, now: datetime | None = None
) -> Path:
    """Write the public map of `store` at `now` to `out_path` (replaced whole, never
    half-written): the hazard zones in force then, as the public page draws them."""
    frames = {name: store.read_layer(name) for name in PUBLISHED_LAYERS}
    if "hazard_zones" in frames:
        frames["hazard_zones"] = active_at(frames["hazard_zones"], now or datetime.now(UTC))
    context = {name: store.read_layer(name) for name in BASEMAP}
    text = build_public_map_html(
        frames,
        context,
        version=store.version(),
        data_time=store.data_time(),
        exercise=exercise_title(store.sql) is not None,
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
    return _inert(format_value(value, field))


def _inert(text: str) -> str:
    text = html.escape(text, quote=True)
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
    if spells_names(spec.field_names):  # a checkpoint's name as the file's language writes it
        gdf = gdf.assign(name=[place_name(row) for row in gdf.itertuples(index=False)])
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


def _exercise_banner() -> str:
    return (
        '<div class="eoc-exercise" role="status" style="position:fixed;top:0;left:0;right:0;'
        "z-index:2000;padding:6px 12px;background:#b00020;color:#fff;font:bold 15px sans-serif;"
        f'text-align:center">{escape_text(_(PUBLIC_BANNER_TEXT))}</div>'
    )


def _title() -> str:
    return f'<div class="eoc-public-title"><h1>{escape_text(_(TITLE))}</h1></div>'


def _legend(layer_names: list[str]) -> str:
    """The colours of the layers on the map, as on /public (from the same layer styles)."""
    groups = []
    for title, rows in legend_entries(layer_names):
        items = "".join(
            f'<li><span class="sw" style="background:{html.escape(colour)}"></span>'
            f"{escape_text(label)}</li>"
            for label, colour in rows
            if len(rows) > 1
        )
        swatch = (
            f'<span class="sw" style="background:{html.escape(rows[0][1])}"></span>'
            if len(rows) == 1
            else ""
        )
        groups.append(f"<div><b>{swatch}{escape_text(title)}</b><ul>{items}</ul></div>")
    return f'<div class="eoc-public-legend" role="note">{"".join(groups)}</div>'


def _add_place_labels(fmap: folium.Map, places: gpd.GeoDataFrame) -> None:
    """Permanent names of the capitals and the largest places (in Cyrillic on tg/ru)."""
    capital = places["capital"].notna() if "capital" in places.columns else False
    people = places["population"].fillna(0) if "population" in places.columns else 0
    ranked = places.assign(_capital=capital, _people=people).sort_values(
        ["_capital", "_people"], ascending=False
    )
    for row in ranked.head(PLACE_LABELS).itertuples(index=False):
        name = escape_text(place_name(row))
        # A permanent tooltip on an invisible point: text only, no marker image to fetch.
        folium.CircleMarker(
            [row.geometry.y, row.geometry.x],
            radius=0,
            weight=0,
            interactive=False,
            tooltip=folium.Tooltip(
                f'<span class="eoc-place">{name}</span>',
                permanent=True,
                direction="right",
                offset=(3, 0),
                className="eoc-place-label",
            ),
        ).add_to(fmap)


def _charts(operational: Mapping[str, gpd.GeoDataFrame], basemap) -> str:
    """The public page's project summaries as static HTML bars."""
    if PROJECTS not in operational or operational[PROJECTS].empty:
        return ""
    projects = operational[PROJECTS]
    labels = region_labels(basemap["regions"]) if "regions" in basemap else {}
    charts = [
        build_project_bars_html(
            project_totals(projects, by=by),
            by=by,
            title=_(title),
            field=layers.get(PROJECTS).field(by),
            labels=labels if by == "adm1_iso" else None,
            escape=_inert,
        )
        for by, title in PUBLIC_SUMMARIES
        if by in projects.columns
    ]
    return f'<section class="eoc-public-charts">{"".join(charts)}</section>'


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
body {{
  font: 13px "Noto Sans", "DejaVu Sans", Arial, sans-serif; color: #1d2733; margin: 0;
  display: flex; flex-direction: column;  /* the map first, then the charts and the notes */
}}
.folium-map {{ order: 0; flex: none; }}
.folium-map {{ background: {BACKGROUND}; }}
.eoc-public-title {{
  position: absolute; left: 50px; top: 8px; z-index: 1000; max-width: 55%;
  background: rgba(255, 255, 255, 0.92); padding: 4px 10px; border-radius: 4px;
}}
.eoc-public-title h1 {{ font-size: 16px; margin: 0; }}
.eoc-public-legend {{
  position: absolute; right: 8px; top: calc(72vh - 8px); transform: translateY(-100%);
  z-index: 1000; background: rgba(255, 255, 255, 0.92); padding: 4px 8px; border-radius: 4px;
  font-size: 11px; max-height: 45vh; overflow: auto;
}}
.eoc-public-legend ul {{ list-style: none; margin: 0 0 4px; padding: 0; }}
.eoc-public-legend .sw {{
  display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 50%;
  border: 1px solid #555; vertical-align: middle;
}}
.eoc-place {{
  white-space: nowrap; font-size: 11px; color: #222;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff;
}}
.leaflet-tooltip.eoc-place-label {{
  background: none; border: none; box-shadow: none; padding: 0;
}}
.leaflet-tooltip.eoc-place-label::before {{ display: none; }}
.eoc-public-charts {{ order: 1; display: flex; flex-wrap: wrap; gap: 16px; padding: 12px; }}
.eoc-chart {{ margin: 0; flex: 1 1 320px; }}
.eoc-chart figcaption {{ font-weight: bold; font-size: 14px; margin-bottom: 4px; }}
.eoc-chart table {{ border-collapse: collapse; width: 100%; }}
.eoc-chart th, .eoc-chart td {{ padding: 2px 4px; text-align: left; font-size: 12px; }}
.eoc-chart th[scope=row] {{ font-weight: normal; max-width: 14em; }}
.eoc-chart .num {{ text-align: right; }}
.eoc-chart .bar {{ width: 55%; position: relative; }}
.eoc-chart .bar span {{
  display: inline-block; height: 12px; background: #c2185b; vertical-align: middle;
  margin-right: 4px; max-width: 70%;
}}
.eoc-public-footer {{
  order: 2; padding: 6px 12px 12px; font-size: 12px; color: #1d2733;
  border-top: 1px solid #c9ced4;
}}
</style>"""
