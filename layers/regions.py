"""Regions (ADM1): the five first-level units of Tajikistan (geoBoundaries)."""

from layers.spec import N_, Field, LayerSpec, Style

ADM1_CODES = ("TJ-DU", "TJ-GB", "TJ-KT", "TJ-RA", "TJ-SU")

SPEC = LayerSpec(
    name="regions",
    title=N_("Regions (ADM1)"),
    geometry="Polygon",
    id_field="adm1_iso",
    item_label=N_("region"),
    kind="context",
    seed_file="tj_adm1.geojson",
    fields=(
        Field(
            "adm1_iso",
            label=N_("Region code"),
            required=True,
            unique=True,
            allowed=ADM1_CODES,
            codes=True,
            public=True,
        ),
        Field("adm1_name", label=N_("Region"), required=True, public=True),
        Field("name_short", label=N_("Short name"), public=True),
        Field("name_tg", label=N_("Name in Tajik"), public=True),
        Field("name_ru", label=N_("Name in Russian"), public=True),
        Field("adm1_type", label=N_("Type"), public=True),
        Field("area_km2", "float", label=N_("Area km²"), min=0, public=True),
    ),
    style=Style(color="#5b6b7a", line_width=1.6, fill_opacity=0.0),
    tooltip=("adm1_name",),
)
