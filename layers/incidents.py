"""Incidents: what duty officers log (and what feeds report) — earthquakes, mudflows, road cuts."""

from layers.regions import ADM1_CODES
from layers.spec import LONG_TEXT_LENGTH, MAX_PEOPLE, N_, Field, LayerSpec, Style

INCIDENT_TYPES = (
    "earthquake",
    "mudflow",
    "flood",
    "avalanche",
    "landslide",
    "wildfire",
    "drought",
    "road_blocked",
    "checkpoint_closure",
    "other",
)
INCIDENT_SEVERITIES = ("low", "moderate", "high", "critical")
INCIDENT_STATUSES = ("reported", "verified", "closed")

SPEC = LayerSpec(
    name="incidents",
    title=N_("Incidents"),
    geometry="Point",
    id_field="incident_id",
    item_label=N_("incident"),
    seed_file="incidents.geojson",
    fields=(
        Field("incident_id", label=N_("Incident ID"), required=True, unique=True),
        # Stored in UTC (the column says so); shown in Dushanbe time with the zone named.
        Field("time_utc", "datetime", label=N_("Time"), required=True, public=True),
        Field(
            "incident_type", label=N_("Type"), required=True, allowed=INCIDENT_TYPES, public=True
        ),
        Field(
            "severity",
            label=N_("Severity"),
            required=True,
            allowed=INCIDENT_SEVERITIES,
            public=True,
        ),
        Field("status", label=N_("Status"), required=True, allowed=INCIDENT_STATUSES, public=True),
        Field("people_affected", "int", label=N_("People affected"), min=0, max=MAX_PEOPLE),
        Field("description", label=N_("Description"), max_length=LONG_TEXT_LENGTH),
        Field("reporter", label=N_("Reported by")),
        # Region and district are derived from the location when an incident is saved.
        Field("adm1_iso", label=N_("Region"), allowed=ADM1_CODES, codes=True, public=True),
        Field("adm2_name", label=N_("District")),
        Field("source", label=N_("Source"), required=True),
        Field("external_id", label=N_("Source event ID")),
        Field("magnitude", "float", label=N_("Magnitude"), min=0, max=10, public=True),
        Field("depth_km", "float", label=N_("Depth km"), min=-10, max=800),
        Field("source_updated", "datetime", label=N_("Source updated")),
        Field("url", label=N_("Source link"), max_length=LONG_TEXT_LENGTH),
    ),
    style=Style(
        color="#000000",
        color_by="severity",
        colors={"low": "#fee08b", "moderate": "#fdae61", "high": "#f46d43", "critical": "#a50026"},
        marker_size=14,
    ),
    tooltip=("description", "incident_type", "severity", "status", "time_utc", "people_affected"),
)
