"""Community infrastructure and border-management projects built with IOM."""

from layers.regions import ADM1_CODES
from layers.spec import MAX_PEOPLE, N_, Field, LayerSpec, Style

CATEGORIES = (
    "market",
    "cold_storage",
    "electricity_supply",
    "school",
    "irrigation_channel",
    "drinking_water",
    "medical_point",
    "toilet_block",
    "riverbank_reinforcement",
    "border_guard_training_centre",
)
PROJECT_STATUSES = ("completed", "in_progress", "planned")

SPEC = LayerSpec(
    name="infrastructure_projects",
    title=N_("Infrastructure projects"),
    geometry="Point",
    id_field="project_id",
    item_label=N_("project"),
    seed_file="infrastructure_projects.geojson",
    fields=(
        Field("project_id", label=N_("Project ID"), required=True, unique=True, public=True),
        Field("name", label=N_("Project"), required=True, public=True),
        Field("category", label=N_("Category"), required=True, allowed=CATEGORIES, public=True),
        Field(
            "adm1_iso",
            label=N_("Region"),
            required=True,
            allowed=ADM1_CODES,
            codes=True,
            public=True,
        ),
        Field("adm2_name", label=N_("District"), required=True, public=True),
        Field("year", "int", label=N_("Year"), min=1991, max=2100, public=True),
        Field(
            "beneficiaries", "int", label=N_("Beneficiaries"), min=0, max=MAX_PEOPLE, public=True
        ),
        Field("donor", label=N_("Donor"), public=True),
        Field("implementing_partner", label=N_("Implemented by"), public=True),
        Field("status", label=N_("Status"), required=True, allowed=PROJECT_STATUSES, public=True),
    ),
    style=Style(color="#c2185b", marker_size=11),
    tooltip=("name", "category", "adm2_name", "year", "beneficiaries", "donor"),
)
