"""Component ids, in one place."""

LAYER_TOGGLES = "layer-toggles"
REGION = "region-filter"
MAP = "ops-map"
FOOTER = "data-footer"
