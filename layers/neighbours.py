"""Neighbouring countries, for map context (Natural Earth)."""

from layers.spec import N_, Field, LayerSpec, Style

SPEC = LayerSpec(
    name="neighbours",
    title=N_("Neighbouring countries"),
    geometry="Polygon",
    id_field="iso3",
    item_label=N_("country"),
    kind="context",
    seed_file="neighbours.geojson",
    fields=(
        Field("iso3", required=True, unique=True, public=True),
        Field("name", required=True, public=True),
        Field("name_ru", public=True),
    ),
    style=Style(color="#dcdcd6", line_width=0.8, fill_opacity=1.0),
)
