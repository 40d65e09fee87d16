"""Population grids: one row per registered raster of people per cell (e.g. WorldPop).

The store holds the row (footprint, file name, SHA-256, resolution, source, licence); the
cells themselves live in a managed GeoTIFF beside the store, named by its hash, so a store
version always points at the same bytes (eoc/io/raster.py). The newest row is the one used.
"""

from layers.spec import LONG_TEXT_LENGTH, N_, Field, LayerSpec, Style

SPEC = LayerSpec(
    name="population_grids",
    title=N_("Population grids"),
    geometry="Polygon",
    id_field="grid_id",
    item_label=N_("population grid"),
    kind="context",
    seed_file="population_grids.geojson",
    fields=(
        Field("grid_id", required=True, unique=True, public=True),
        Field("title", label=N_("Title"), required=True, public=True),
        Field("file", label=N_("File"), required=True),
        Field("sha256", required=True),
        Field("bytes", "int", required=True, min=1),
        Field("cell_km", "float", label=N_("Cell size km"), required=True, min=0, public=True),
        Field("year", "int", label=N_("Year"), public=True),
        Field("people", "float", label=N_("People in the grid"), min=0, public=True),
        Field(
            "source", label=N_("Source"), required=True, public=True, max_length=LONG_TEXT_LENGTH
        ),
        Field("licence", label=N_("Licence"), required=True, public=True),
        Field("registered_utc", "datetime", required=True),
    ),
    style=Style(color="#7f8c8d", fill_opacity=0.0),
    tooltip=("title", "cell_km"),
)
