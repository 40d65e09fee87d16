"""Building the store from the seed: all layers, or nothing and every problem listed."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import geopandas as gpd
import pytest

import layers
from eoc.config import DEFAULT_SEED_DIR
from eoc.errors import ValidationError
from eoc.store.seed import build_from_seed

T0 = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)


def test_the_seed_builds_a_store_with_every_layer(seed_store, seed_frames):
    counts = seed_store.feature_counts()
    assert counts == {name: len(gdf) for name, gdf in seed_frames.items()}
    assert set(counts) == set(layers.REGISTRY)


@pytest.fixture
def broken_seed_dir(tmp_path):
    seed = tmp_path / "seed"
    shutil.copytree(DEFAULT_SEED_DIR, seed)
    sites = gpd.read_file(seed / "displacement_sites.geojson")
    sites.loc[3, "individuals"] = -5
    sites.loc[7, "status"] = "full"
    sites.to_file(seed / "displacement_sites.geojson", driver="GeoJSON")
    return seed, sites


def test_a_bad_seed_lists_every_problem_and_leaves_the_store_untouched(
    broken_seed_dir, fresh_store
):
    seed, sites = broken_seed_dir
    build_from_seed(fresh_store, DEFAULT_SEED_DIR, now=T0)
    before = fresh_store.read_layer("displacement_sites")
    with pytest.raises(ValidationError) as caught:
        build_from_seed(fresh_store, seed, now=T0)
    text = str(caught.value)
    assert f"site {sites.loc[3, 'site_id']}: individuals -5 is below 0" in text
    assert f"site {sites.loc[7, 'site_id']}: status 'full' is not one of" in text
    assert "the store was not changed" in text
    assert fresh_store.version() == 1
    assert len(fresh_store.read_layer("displacement_sites")) == len(before)


def test_a_missing_seed_file_is_named(tmp_path, fresh_store):
    seed = tmp_path / "seed"
    shutil.copytree(DEFAULT_SEED_DIR, seed)
    (seed / "roads.geojson").unlink()
    with pytest.raises(ValidationError, match="roads.geojson is missing"):
        build_from_seed(fresh_store, seed, now=T0)
    assert not fresh_store.exists()
