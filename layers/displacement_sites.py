"""Displacement sites: collective centres, planned and spontaneous sites, host communities.

Protection shelters for victims of trafficking are rows of this layer marked `sensitive`;
they never leave the internal pages.
"""

from layers.regions import ADM1_CODES
from layers.spec import MAX_PEOPLE, N_, Field, LayerSpec, Style

SITE_TYPES = (
    "collective_centre",
    "planned_site",
    "spontaneous_site",
    "host_community",
    "protection_shelter",
)
SITE_STATUSES = ("open", "closing", "closed", "planned")

SPEC = LayerSpec(
    name="displacement_sites",
    title=N_("Displacement sites"),
    geometry="Point",
    id_field="site_id",
    item_label=N_("site"),
    seed_file="displacement_sites.geojson",
    fields=(
        Field("site_id", label=N_("Site ID"), required=True, unique=True),
        Field("name", label=N_("Site"), required=True, public=True),
        Field("site_type", label=N_("Type"), required=True, allowed=SITE_TYPES, public=True),
        Field(
            "adm1_iso",
            label=N_("Region"),
            required=True,
            allowed=ADM1_CODES,
            codes=True,
            public=True,
        ),
        Field("adm2_name", label=N_("District"), required=True, public=True),
        Field("households", "int", label=N_("Households"), min=0, max=MAX_PEOPLE),
        Field(
            "individuals",
            "int",
            label=N_("People"),
            required=True,
            min=0,
            max=MAX_PEOPLE,
            public=True,
        ),
        Field(
            "capacity",
            "int",
            label=N_("Capacity"),
            required=True,
            min=0,
            max=MAX_PEOPLE,
            public=True,
        ),
        Field("site_area_m2", "float", label=N_("Site area m²"), min=0),
        Field("covered_area_m2", "float", label=N_("Covered area m²"), min=0),
        Field("latrines", "int", label=N_("Latrines"), min=0),
        Field("water_points", "int", label=N_("Water points"), min=0),
        Field("status", label=N_("Status"), required=True, allowed=SITE_STATUSES, public=True),
        # Not public: the agency running a small site names the partner (and its staff)
        # that protection cases are referred to; donors get sites by type, place and size.
        Field("managing_agency", label=N_("Managed by")),
        Field("last_assessment", "date", label=N_("Last assessment")),
        Field("sensitive", "bool", label=N_("Sensitive"), required=True),
    ),
    style=Style(
        color="#2c7fb8",
        color_by="status",
        colors={"open": "#1a9850", "closing": "#fdae61", "closed": "#7f7f7f", "planned": "#2c7fb8"},
        marker_size=12,
    ),
    tooltip=("name", "site_type", "adm2_name", "individuals", "capacity", "status"),
    sensitive_field="sensitive",
    # A protection shelter that is not marked sensitive would reach the public map.
    sensitive_when=("site_type", "protection_shelter"),
)
