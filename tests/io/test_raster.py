"""A finer WorldPop GeoTIFF loads through `eoc import` and becomes the population grid used."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from eoc.analysis.population import zonal_population
from eoc.cli import main
from eoc.io.raster import current_grid, grid_folder, grid_path, open_grid
from eoc.store import GeoPackageStore
from tests.conftest import SEED_DIR


def _worldpop_like(path, *, cell_deg=0.01, width=40, height=30, value=2.5):
    """A WorldPop-style GeoTIFF: EPSG:4326, float32, nodata -99999, no source tags."""
    values = np.full((height, width), value, dtype="float32")
    values[0, 0] = -99999.0
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=width,
        height=height,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(71.5, 37.6, cell_deg, cell_deg),
        nodata=-99999.0,
        tiled=True,
        blockxsize=16,
        blockysize=16,
        compress="deflate",
    ) as out:
        out.write(values, 1)
    return path


@pytest.fixture
def grid_store(seed_store, tmp_path):
    store = GeoPackageStore(tmp_path / "eoc.gpkg")
    shutil.copyfile(seed_store.path, store.path)
    return store


def test_eoc_import_registers_a_finer_worldpop_geotiff(grid_store, tmp_path, capsys):
    tif = _worldpop_like(tmp_path / "tjk_ppp_2020_1km_Aggregated.tif")
    before = grid_store.version()
    code = main(["import", "population_grids", str(tif), "--store", grid_store.location])
    assert code == 0
    assert "registered" in capsys.readouterr().err
    assert grid_store.version() == before + 1
    grids = grid_store.read_layer("population_grids")
    assert len(grids) == 2  # the seed's 10 km grid stays registered
    row = current_grid(grids)
    assert row["file"] == tif.name
    assert row["year"] == 2020 and row["licence"] == "CC BY 4.0"
    assert row["cell_km"] == pytest.approx(0.01 * 111.32 * np.cos(np.radians(37.45)), rel=0.01)
    assert row["people"] == pytest.approx(2.5 * (40 * 30 - 1))
    path = grid_path(grid_store, row)
    assert path.parent == grid_folder(grid_store) and path.is_file()
    # The registered grid is what exposure reads.
    zone = grids.iloc[[int(np.argmax(grids["registered_utc"].to_numpy()))]].assign(zone_id="z")
    with open_grid(path) as grid:
        assert zonal_population(zone, grid)["z"] == pytest.approx(2.5 * 1199, rel=1e-6)
    audit = grid_store.audit_log(layer="population_grids")
    assert audit and audit[0].reason == f"import of {tif.name}"


def test_a_raster_for_another_layer_is_refused_and_nothing_changes(grid_store, tmp_path, capsys):
    tif = _worldpop_like(tmp_path / "pop.tif")
    before = grid_store.version()
    code = main(["import", "places", str(tif), "--store", grid_store.location])
    assert code == 1
    assert "population_grids" in capsys.readouterr().err
    assert grid_store.version() == before


def test_the_seed_build_copies_its_grid_beside_the_store(seed_store):
    row = current_grid(seed_store.read_layer("population_grids"))
    path = grid_path(seed_store, row)
    assert path is not None and path.parent == grid_folder(seed_store)
    assert path.read_bytes() == (SEED_DIR / "tj_worldpop2020_10km.tif").read_bytes()
