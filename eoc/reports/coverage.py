"""What the report's people figures are based on: the method and coverage notes.

Every exposure figure says where its residents come from (a population grid and its cell
size, or only the towns of GeoNames) and what that means for the reader; the sentences are
message ids with values, rendered in the report's language like the highlights.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from eoc.analysis.population import POPULATION_LAYER
from eoc.i18n import N_
from eoc.io.raster import current_grid
from eoc.reports.model import Sentence, Source

# Cells wider than this give district-level figures: WorldPop's own 1 km grid is the finest
# the EOC has offline; 10 km cells (SOURCES.md, tj_worldpop2020_10km.tif) are too coarse for
# valley floods and mudflow fans.
COARSE_CELL_KM = 2.0

GRID_COARSE = N_(
    "Residents are estimated from {title} ({year}, cells of about {cell_km} km, {licence}): "
    "each cell is split by the share of its area inside a zone. This is a district-level "
    "estimate, coarse for narrow valley floods and mudflows: it spreads people evenly over "
    "each cell."
)
GRID_FINE = N_(
    "Residents are estimated from {title} ({year}, cells of about {cell_km} km, {licence}): "
    "each cell is split by the share of its area inside a zone; for a zone only a few cells "
    "wide the figure is uncertain."
)
TOWNS_ONLY = N_(
    "Residents are counted only in the populated places (GeoNames towns) that lie inside a "
    "zone: people outside those towns are not counted, so these figures are a minimum. "
    "The store holds no population grid."
)
GRID_MISSING = N_(
    "The population grid {title} is registered but its file is missing from the store's grid "
    "folder; residents are counted only in GeoNames towns, so these figures are a minimum."
)
# The same, in one line under a screen's "Residents exposed" figure.
GRID_COARSE_SHORT = N_("{title} ({cell_km} km cells): district-level estimate")
GRID_FINE_SHORT = N_("{title} ({cell_km} km cells): uncertain for small zones")
TOWNS_ONLY_SHORT = N_("GeoNames towns only: a minimum")
FACILITIES = N_(
    "Schools and health facilities are OpenStreetMap points (HOT export); facilities not "
    "mapped in OpenStreetMap are not counted."
)
RESIDENTS_FOOTNOTE = {
    POPULATION_LAYER: N_(
        "People of the population grid inside a hazard zone in force at the report time, "
        "each cell split by the share of its area inside the zone, each person counted once "
        "(see the method note)."
    ),
    "places": N_(
        "Residents of populated places (GeoNames population) inside a hazard zone in force at "
        "the report time, each place counted once."
    ),
}
RESIDENTS_MMI7_FOOTNOTE = {
    POPULATION_LAYER: N_(
        "People of the population grid inside an earthquake zone of estimated intensity "
        "MMI VII or more (very strong shaking)."
    ),
    "places": N_(
        "Residents of populated places inside an earthquake zone of estimated "
        "intensity MMI VII or more (very strong shaking)."
    ),
}


@dataclass(frozen=True)
class Residents:
    """Where the report's residents come from."""

    layer: str  # POPULATION_LAYER or "places"
    notes: tuple[Sentence, ...]
    source: Source
    short: Sentence  # the method and coverage in one line, for a screen's figure


def residents_basis(grids: gpd.GeoDataFrame, grid_file: Path | None) -> Residents:
    """The residents' layer, method notes and source entry for the grid in use (if any)."""
    row = current_grid(grids)
    if row is not None and grid_file is not None:
        cell_km = float(row["cell_km"])
        values = {
            "title": str(row["title"]),
            "year": "—" if pd.isna(row["year"]) else str(int(row["year"])),
            "cell_km": cell_km if cell_km >= 1 else round(cell_km, 2),
            "licence": str(row["licence"]),
        }
        coarse = cell_km > COARSE_CELL_KM
        return Residents(
            POPULATION_LAYER,
            (Sentence(GRID_COARSE if coarse else GRID_FINE, values), Sentence(FACILITIES)),
            Source(N_("Population"), f"{row['title']}: {row['source']} ({row['licence']})"),
            Sentence(GRID_COARSE_SHORT if coarse else GRID_FINE_SHORT, values),
        )
    notes = (Sentence(TOWNS_ONLY),)
    if row is not None:
        notes = (Sentence(GRID_MISSING, {"title": str(row["title"])}),)
    return Residents(
        "places",
        (*notes, Sentence(FACILITIES)),
        Source(N_("Populated places"), "GeoNames cities500 (population)"),
        Sentence(TOWNS_ONLY_SHORT),
    )
