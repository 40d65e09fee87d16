"""Fixtures for imports and exports: a writable copy of the seed store, small source files."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pytest

from eoc.store import GeoPackageStore
from tests.conftest import SEED_DIR

COUNTRY = SEED_DIR / "tj_adm0.geojson"
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture
def store(seed_store, tmp_path) -> GeoPackageStore:
    """A private copy of the seed store that a test may write to."""
    copy = GeoPackageStore(tmp_path / "store" / "eoc.gpkg")
    copy.path.parent.mkdir()
    shutil.copyfile(seed_store.path, copy.path)
    return copy


@pytest.fixture
def seed_sites(seed_frames) -> gpd.GeoDataFrame:
    """The 51 seed displacement sites, typed as the store holds them."""
    return seed_frames["displacement_sites"].copy()


def three_sites(seed_sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Three valid sites with new ids (upserting them adds rows)."""
    rows = seed_sites.iloc[:3].copy().reset_index(drop=True)
    rows["site_id"] = ["TJ-NEW-001", "TJ-NEW-002", "TJ-NEW-003"]
    return rows


def site_table(sites: gpd.GeoDataFrame) -> list[dict]:
    """Rows of plain values with lat/lon, as a spreadsheet would hold them."""
    records = []
    for row in sites.itertuples(index=False):
        record = {k: v for k, v in row._asdict().items() if k != "geometry"}
        record["last_assessment"] = (
            None if record["last_assessment"] is None else str(record["last_assessment"])[:10]
        )
        record["lat"], record["lon"] = row.geometry.y, row.geometry.x
        records.append(record)
    return records


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path
