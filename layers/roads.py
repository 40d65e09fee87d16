"""Trunk roads: a schematic town-to-town network until an OpenStreetMap extract is imported."""

from layers.spec import N_, Field, LayerSpec, Style

SPEC = LayerSpec(
    name="roads",
    title=N_("Roads (schematic)"),
    geometry="LineString",
    id_field="road_id",
    item_label=N_("road"),
    kind="context",
    seed_file="roads.geojson",
    fields=(
        Field("road_id", label=N_("Road ID"), required=True, unique=True, public=True),
        Field("name", label=N_("Road"), required=True, public=True),
        Field("ref", label=N_("Number"), public=True),
        Field("from_place", label=N_("From"), required=True, public=True),
        Field("to_place", label=N_("To"), required=True, public=True),
        Field("length_km_published", "float", label=N_("Published length km"), min=0, public=True),
        Field("length_km_schematic", "float", label=N_("Drawn length km"), min=0, public=True),
        Field("schematic", "bool", label=N_("Schematic"), public=True),
        Field("surface", label=N_("Surface"), allowed=("paved", "gravel", "mixed"), public=True),
    ),
    style=Style(color="#c8553d", line_width=1.8),
    tooltip=("name", "from_place", "to_place", "length_km_published"),
)
