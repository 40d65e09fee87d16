"""Significant historic earthquakes, M >= 5.5, 1965-2016 (USGS)."""

from layers.spec import N_, Field, LayerSpec, Style

SPEC = LayerSpec(
    name="earthquakes_historic",
    title=N_("Historic earthquakes (M5.5+)"),
    geometry="Point",
    id_field="usgs_id",
    item_label=N_("earthquake"),
    kind="context",
    seed_file="tj_earthquakes.geojson",
    fields=(
        Field("usgs_id", required=True, unique=True, public=True),
        Field("time_utc", "datetime", label=N_("Time"), required=True, public=True),
        Field(
            "magnitude", "float", label=N_("Magnitude"), required=True, min=0, max=10, public=True
        ),
        Field("depth_km", "float", label=N_("Depth km"), public=True),
        Field("mag_type", public=True),
        Field("in_tajikistan", "bool", public=True),
    ),
    style=Style(color="#8e44ad", marker_size=6),
    tooltip=("time_utc", "magnitude", "depth_km"),
)
