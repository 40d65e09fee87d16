"""Border crossing points and the international airport."""

from layers.regions import ADM1_CODES
from layers.spec import Field, LayerSpec, Style

NEIGHBOURS = ("AFG", "UZB", "KGZ", "CHN")
CHECKPOINT_TYPES = ("road", "bridge", "rail", "air")
CHECKPOINT_STATUSES = ("open", "restricted", "closed")

SPEC = LayerSpec(
    name="border_checkpoints",
    title="Border checkpoints",
    geometry="Point",
    id_field="checkpoint_id",
    item_label="checkpoint",
    seed_file="border_checkpoints.geojson",
    fields=(
        Field("checkpoint_id", label="Checkpoint ID", required=True, unique=True),
        Field("name", label="Checkpoint", required=True, public=True),
        Field("border_country", label="Border with", allowed=NEIGHBOURS),
        Field("counterpart_post", label="Counterpart post"),
        Field("checkpoint_type", label="Type", required=True, allowed=CHECKPOINT_TYPES),
        Field("status", label="Status", required=True, allowed=CHECKPOINT_STATUSES, public=True),
        Field("adm1_iso", label="Region", required=True, allowed=ADM1_CODES),
        Field("adm2_name", label="District"),
        Field("staff_count", "int", label="Staff", min=0),
        Field("notes", label="Notes"),
    ),
    style=Style(
        color="#6a3d9a",
        color_by="status",
        colors={"open": "#6a3d9a", "restricted": "#ff7f00", "closed": "#e31a1c"},
        marker_size=13,
    ),
    tooltip=("name", "border_country", "counterpart_post", "checkpoint_type", "status"),
)
