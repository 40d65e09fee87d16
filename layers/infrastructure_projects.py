"""Community infrastructure and border-management projects built with IOM."""

from layers.regions import ADM1_CODES
from layers.spec import Field, LayerSpec, Style

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
    title="Infrastructure projects",
    geometry="Point",
    id_field="project_id",
    item_label="project",
    seed_file="infrastructure_projects.geojson",
    fields=(
        Field("project_id", label="Project ID", required=True, unique=True, public=True),
        Field("name", label="Project", required=True, public=True),
        Field("category", label="Category", required=True, allowed=CATEGORIES, public=True),
        Field("adm1_iso", label="Region", required=True, allowed=ADM1_CODES, public=True),
        Field("adm2_name", label="District", required=True, public=True),
        Field("year", "int", label="Year", min=1991, max=2100, public=True),
        Field("beneficiaries", "int", label="Beneficiaries", min=0, public=True),
        Field("donor", label="Donor", public=True),
        Field("implementing_partner", label="Implemented by", public=True),
        Field("status", label="Status", required=True, allowed=PROJECT_STATUSES, public=True),
    ),
    style=Style(color="#c2185b", marker_size=11),
    tooltip=("name", "category", "adm2_name", "year", "beneficiaries", "donor"),
)
