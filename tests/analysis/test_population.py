"""People in zones from a population grid: exact sums with cells split by area."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import Polygon, box

from eoc.analysis.exposure import exposure_totals
from eoc.analysis.needs import displaced_by_zone
from eoc.analysis.population import POPULATION_LAYER, grid_exposure, zonal_population

UTM = "EPSG:32642"
NODATA = -99999.0


@pytest.fixture
def grid_3x3(tmp_path):
    """Cells of 1 km, values 1..9 row by row from the top left corner at (0, 3000)."""
    path = tmp_path / "grid.tif"
    values = np.arange(1, 10, dtype="float32").reshape(3, 3)
    profile = {
        "driver": "GTiff",
        "width": 3,
        "height": 3,
        "count": 1,
        "dtype": "float32",
        "crs": UTM,
        "transform": from_origin(0, 3000, 1000, 1000),
        "nodata": NODATA,
    }
    with rasterio.open(path, "w", **profile) as out:
        out.write(values, 1)
    with rasterio.open(path) as grid:
        yield grid


def _zones(*rows):
    return gpd.GeoDataFrame(
        [{"zone_id": z, "hazard_type": h, "severity": s, "mmi": None} for z, h, s, _ in rows],
        geometry=[g for *_, g in rows],
        crs=UTM,
    )


def test_zones_cutting_cells_get_exact_sums(grid_3x3):
    zones = _zones(
        # Half of 1, 2 (half the row height), 3 and of 4, 6; all of 5: 0.5·(0.5+2+1.5)+2+5+3.
        ("box", "flood", "high", box(500, 1000, 2500, 2500)),
        # The lower-left triangle: 7, 4, 8 whole, the diagonal cells 1, 5, 9 half.
        ("triangle", "flood", "high", Polygon([(0, 0), (3000, 0), (0, 3000)])),
        ("all", "flood", "high", box(0, 0, 3000, 3000)),
        ("outside", "flood", "high", box(5000, 5000, 6000, 6000)),
    )
    people = zonal_population(zones, grid_3x3)
    assert people.to_dict() == pytest.approx(
        {"box": 12.0, "triangle": 26.5, "all": 45.0, "outside": 0.0}
    )


def test_nodata_cells_count_nobody(tmp_path):
    path = tmp_path / "holes.tif"
    values = np.array([[NODATA, 2], [3, 4]], dtype="float32")
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=2,
        height=2,
        count=1,
        dtype="float32",
        crs=UTM,
        transform=from_origin(0, 2000, 1000, 1000),
        nodata=NODATA,
    ) as out:
        out.write(values, 1)
    with rasterio.open(path) as grid:
        people = zonal_population(_zones(("z", "flood", "high", box(0, 0, 2000, 2000))), grid)
    assert people["z"] == pytest.approx(9.0)


def test_overlapping_zones_count_each_person_once_at_the_worst_zone(grid_3x3):
    zones = _zones(
        ("wide", "flood", "moderate", box(0, 0, 3000, 3000)),
        ("core", "flood", "very_high", box(1000, 1000, 2000, 2000)),  # cell 5
    )
    districts = gpd.GeoDataFrame(
        {"adm1_iso": ["TJ-KT", "TJ-KT"], "adm2_name": ["West", "East"]},
        geometry=[box(0, 0, 1000, 3000), box(1000, 0, 3000, 3000)],
        crs=UTM,
    )
    rows = grid_exposure(zones, grid_3x3, districts=districts)
    assert set(rows["layer"]) == {POPULATION_LAYER}
    by_severity = exposure_totals(rows, by=("severity",)).set_index("severity")["people"]
    assert by_severity.to_dict() == {"very_high": 5, "moderate": 40}
    by_district = exposure_totals(rows, by=("adm2_name",)).set_index("adm2_name")["people"]
    assert by_district.to_dict() == {"West": 1 + 4 + 7, "East": 2 + 3 + 5 + 6 + 8 + 9}
    # Each zone on its own still holds all its people.
    assert zonal_population(zones, grid_3x3).to_dict() == pytest.approx({"wide": 45, "core": 5})
    displaced = displaced_by_zone(
        rows,
        {("flood", "moderate"): 0.1, ("flood", "very_high"): 0.5},
        people_layers=(POPULATION_LAYER,),
    ).set_index("zone_id")
    assert displaced["exposed_people"].to_dict() == {"core": 5, "wide": 40}
    assert displaced["displaced"].to_dict() == {"core": 3, "wide": 4}


def test_no_zone_no_people(grid_3x3):
    empty = _zones()
    assert zonal_population(empty.assign(zone_id=[]), grid_3x3).empty
    assert grid_exposure(empty, grid_3x3).empty
