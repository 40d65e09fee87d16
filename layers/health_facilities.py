"""Health facilities from OpenStreetMap (HOT export)."""

from layers.regions import ADM1_CODES
from layers.spec import N_, Field, LayerSpec, Style

SPEC = LayerSpec(
    name="health_facilities",
    title=N_("Health facilities"),
    geometry="Point",
    id_field="osm_id",
    item_label=N_("health facility"),
    kind="context",
    seed_file="tj_health_facilities.geojson",
    fields=(
        Field("osm_id", "int", required=True, public=True),
        Field("osm_type", public=True),
        Field("name", label=N_("Name"), public=True),
        Field("name_en", public=True),
        Field("amenity", label=N_("Type"), public=True),
        Field("healthcare", public=True),
        Field("adm1_iso", allowed=ADM1_CODES, codes=True, public=True),
    ),
    style=Style(color="#c0392b", marker_size=5),
    tooltip=("name", "amenity"),
)
