"""The national border as lines, one per neighbouring country."""

from layers.spec import N_, Field, LayerSpec, Style

SPEC = LayerSpec(
    name="border",
    title=N_("National border"),
    geometry="LineString",
    id_field="neighbour_iso3",
    item_label=N_("border section"),
    kind="context",
    seed_file="tj_border.geojson",
    fields=(
        Field("neighbour_iso3", required=True, unique=True, public=True),
        Field("neighbour_name", required=True, public=True),
        Field("length_km", "float", min=0, public=True),
    ),
    style=Style(color="#4a3f35", line_width=2.2),
)
