"""Schools and other education facilities from OpenStreetMap (HOT export).

Held and counted like health facilities: schools are often the collective centres of a
response, so the report lists those inside hazard zones.
"""

from layers.regions import ADM1_CODES
from layers.spec import N_, Field, LayerSpec, Style

SPEC = LayerSpec(
    name="education_facilities",
    title=N_("Schools and education facilities"),
    geometry="Point",
    id_field="osm_id",
    item_label=N_("education facility"),
    kind="context",
    seed_file="tj_education_facilities.geojson",
    fields=(
        Field("osm_id", "int", required=True, public=True),
        Field("osm_type", public=True),
        Field("name", label=N_("Name"), public=True),
        Field("name_en", public=True),
        Field("amenity", label=N_("Type"), public=True),
        Field("adm1_iso", allowed=ADM1_CODES, codes=True, public=True),
    ),
    style=Style(color="#8e44ad", marker_size=5),
    tooltip=("name", "amenity"),
)
