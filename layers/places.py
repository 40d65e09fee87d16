"""Populated places (GeoNames cities500)."""

from layers.regions import ADM1_CODES
from layers.spec import N_, Field, LayerSpec, Style

SPEC = LayerSpec(
    name="places",
    title=N_("Places"),
    geometry="Point",
    id_field="geonameid",
    item_label=N_("place"),
    kind="context",
    seed_file="tj_places.geojson",
    fields=(
        Field("geonameid", "int", required=True, unique=True, public=True),
        Field("name", label=N_("Place"), required=True, public=True),
        # Cyrillic names from GeoNames' alternate names (tools/place_names.py), where known.
        Field("name_tg", label=N_("Name in Tajik"), public=True),
        Field("name_ru", label=N_("Name in Russian"), public=True),
        Field("capital", label=N_("Role"), public=True),
        Field("population", "int", label=N_("Population"), min=0, public=True),
        Field("elevation_m", "int", label=N_("Elevation m"), public=True),
        Field("adm1_iso", label=N_("Region code"), allowed=ADM1_CODES, codes=True, public=True),
        Field("adm2_name", label=N_("District"), public=True),
    ),
    style=Style(color="#333333", marker_size=5),
    tooltip=("name", "population"),
)
