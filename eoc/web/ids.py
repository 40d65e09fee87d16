"""Component ids, in one place."""

LAYER_TOGGLES = "layer-toggles"
REGION = "region-filter"
MAP = "ops-map"
FOOTER = "data-footer"

# The public donor map (/public): every id starts with "public-".
PUBLIC_LAYER_TOGGLES = "public-layer-toggles"
PUBLIC_MAP = "public-map"
PUBLIC_BY_DONOR = "public-projects-by-donor"
PUBLIC_BY_CATEGORY = "public-projects-by-category"
PUBLIC_BY_REGION = "public-projects-by-region"
PUBLIC_FOOTER = "public-footer"

AUDIT_LAYER = "audit-layer"
AUDIT_USER = "audit-user"
AUDIT_FEATURE = "audit-feature"
AUDIT_TABLE = "audit-table"

POLL = "poll-interval"
VERSION = "store-version"
MAP_STATE = "map-state"
