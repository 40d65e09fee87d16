"""Border crossing points and the international airport."""

from layers.regions import ADM1_CODES
from layers.spec import LONG_TEXT_LENGTH, N_, Field, LayerSpec, Style

NEIGHBOURS = ("AFG", "UZB", "KGZ", "CHN")
CHECKPOINT_TYPES = ("road", "bridge", "rail", "air")
CHECKPOINT_STATUSES = ("open", "restricted", "closed")

SPEC = LayerSpec(
    name="border_checkpoints",
    title=N_("Border checkpoints"),
    geometry="Point",
    id_field="checkpoint_id",
    item_label=N_("checkpoint"),
    seed_file="border_checkpoints.geojson",
    fields=(
        Field("checkpoint_id", label=N_("Checkpoint ID"), required=True, unique=True),
        Field("name", label=N_("Checkpoint"), required=True, public=True),
        # Cyrillic spellings for Tajik and Russian pages (eoc.i18n.place_name), as for places.
        Field("name_tg", label=N_("Name in Tajik"), public=True),
        Field("name_ru", label=N_("Name in Russian"), public=True),
        Field("border_country", label=N_("Border with"), allowed=NEIGHBOURS, codes=True),
        Field("counterpart_post", label=N_("Counterpart post")),
        Field("checkpoint_type", label=N_("Type"), required=True, allowed=CHECKPOINT_TYPES),
        Field(
            "status", label=N_("Status"), required=True, allowed=CHECKPOINT_STATUSES, public=True
        ),
        Field("adm1_iso", label=N_("Region"), required=True, allowed=ADM1_CODES, codes=True),
        Field("adm2_name", label=N_("District")),
        Field("staff_count", "int", label=N_("Staff"), min=0),
        Field("notes", label=N_("Notes"), max_length=LONG_TEXT_LENGTH),
    ),
    style=Style(
        color="#6a3d9a",
        color_by="status",
        colors={"open": "#6a3d9a", "restricted": "#ff7f00", "closed": "#e31a1c"},
        marker_size=13,
    ),
    tooltip=("name", "border_country", "counterpart_post", "checkpoint_type", "status"),
)
