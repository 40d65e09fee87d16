"""Main rivers (Natural Earth 1:10m)."""

from layers.spec import Field, LayerSpec, Style

SPEC = LayerSpec(
    name="rivers",
    title="Rivers",
    geometry="LineString",
    id_field="name",
    item_label="river",
    kind="context",
    seed_file="tj_rivers.geojson",
    fields=(
        Field("name", required=True, public=True),
        Field("name_en", public=True),
    ),
    style=Style(color="#6aa7d8", line_width=1.6),
)
