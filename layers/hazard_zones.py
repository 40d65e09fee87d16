"""Hazard zones: earthquake shaking, mudflow, flood, avalanche, landslide, wildfire and drought
areas (the last two from GDACS, eoc/feeds/gdacs.py)."""

from layers.regions import ADM1_CODES
from layers.spec import N_, Field, LayerSpec, Style

HAZARD_TYPES = ("earthquake", "mudflow", "flood", "avalanche", "landslide", "wildfire", "drought")
SEVERITIES = ("low", "moderate", "high", "very_high")

SPEC = LayerSpec(
    name="hazard_zones",
    title=N_("Hazard zones"),
    geometry="Polygon",
    id_field="zone_id",
    item_label=N_("hazard zone"),
    seed_file="hazard_zones.geojson",
    fields=(
        Field("zone_id", label=N_("Zone ID"), required=True, unique=True, public=True),
        Field("name", label=N_("Zone"), required=True, public=True),
        Field("hazard_type", label=N_("Hazard"), required=True, allowed=HAZARD_TYPES, public=True),
        Field("severity", label=N_("Severity"), required=True, allowed=SEVERITIES, public=True),
        Field("mmi", "float", label=N_("Intensity (MMI)"), min=1, max=12, public=True),
        Field("source", label=N_("Source"), required=True, public=True),
        Field("valid_from", "datetime", label=N_("Valid from"), required=True, public=True),
        Field("valid_to", "datetime", label=N_("Valid to"), public=True),
        Field("adm1_iso", label=N_("Region"), allowed=ADM1_CODES, codes=True, public=True),
    ),
    style=Style(
        color="#d62728",
        color_by="hazard_type",
        colors={
            "earthquake": "#d62728",
            "mudflow": "#8c564b",
            "flood": "#1f77b4",
            "avalanche": "#17becf",
            "landslide": "#bcbd22",
            "wildfire": "#ff7f0e",
            "drought": "#c7a252",
        },
        fill_opacity=0.3,
    ),
    tooltip=("name", "hazard_type", "severity", "valid_from", "valid_to"),
)
