"""Main rivers (Natural Earth 1:10m)."""

from layers.spec import N_, Field, LayerSpec, Style

SPEC = LayerSpec(
    name="rivers",
    title=N_("Rivers"),
    geometry="LineString",
    id_field="name",
    item_label=N_("river"),
    kind="context",
    seed_file="tj_rivers.geojson",
    fields=(
        Field("name", required=True, public=True),
        Field("name_en", public=True),
    ),
    style=Style(color="#6aa7d8", line_width=1.6),
)
