"""Trunk roads: a schematic town-to-town network until an OpenStreetMap extract is imported."""

from layers.spec import Field, LayerSpec, Style

SPEC = LayerSpec(
    name="roads",
    title="Roads (schematic)",
    geometry="LineString",
    id_field="road_id",
    item_label="road",
    kind="context",
    seed_file="roads.geojson",
    fields=(
        Field("road_id", label="Road ID", required=True, unique=True, public=True),
        Field("name", label="Road", required=True, public=True),
        Field("ref", label="Number", public=True),
        Field("from_place", label="From", required=True, public=True),
        Field("to_place", label="To", required=True, public=True),
        Field("length_km_published", "float", label="Published length km", min=0, public=True),
        Field("length_km_schematic", "float", label="Drawn length km", min=0, public=True),
        Field("schematic", "bool", label="Schematic", public=True),
        Field("surface", label="Surface", allowed=("paved", "gravel", "mixed"), public=True),
    ),
    style=Style(color="#c8553d", line_width=1.8),
    tooltip=("name", "from_place", "to_place", "length_km_published"),
)
