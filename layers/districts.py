"""Districts (ADM2) of Tajikistan (geoBoundaries, with Dushanbe split from Rudaki)."""

from layers.regions import ADM1_CODES
from layers.spec import N_, Field, LayerSpec, Style

SPEC = LayerSpec(
    name="districts",
    title=N_("Districts (ADM2)"),
    geometry="Polygon",
    id_field="adm2_name",
    item_label=N_("district"),
    kind="context",
    seed_file="tj_adm2.geojson",
    fields=(
        Field("adm2_name", label=N_("District"), required=True, unique=True, public=True),
        Field(
            "adm1_iso",
            label=N_("Region code"),
            required=True,
            allowed=ADM1_CODES,
            codes=True,
            public=True,
        ),
        Field("adm1_name", label=N_("Region"), public=True),
        Field("area_km2", "float", label=N_("Area km²"), min=0, public=True),
    ),
    style=Style(color="#9aa5b1", line_width=0.6, fill_opacity=0.0),
    tooltip=("adm2_name", "adm1_name"),
)
