"""Lakes and reservoirs (Natural Earth 1:10m)."""

from layers.spec import N_, Field, LayerSpec, Style

SPEC = LayerSpec(
    name="lakes",
    title=N_("Lakes"),
    geometry="Polygon",
    id_field="name",
    item_label=N_("lake"),
    kind="context",
    seed_file="tj_lakes.geojson",
    fields=(
        Field("name", required=True, public=True),
        Field("area_km2", "float", min=0, public=True),
    ),
    style=Style(color="#a9cde9", fill_opacity=1.0),
)
