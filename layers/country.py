"""Country outline (ADM0) of Tajikistan (geoBoundaries)."""

from layers.spec import N_, Field, LayerSpec, Style

SPEC = LayerSpec(
    name="country",
    title=N_("Tajikistan (ADM0)"),
    geometry="Polygon",
    id_field="iso3",
    item_label=N_("country"),
    kind="context",
    seed_file="tj_adm0.geojson",
    fields=(
        Field("iso3", required=True, unique=True, public=True),
        Field("name", required=True, public=True),
        Field("area_km2", "float", min=0, public=True),
    ),
    style=Style(color="#f4f1ea", line_width=2.0, fill_opacity=1.0),
)
