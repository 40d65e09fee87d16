"""Stores: where layers live. `open_store` picks the backend from the location."""

from __future__ import annotations

from eoc.errors import ConfigError
from eoc.store.base import Store
from eoc.store.geopackage import GeoPackageStore


def open_store(location: str) -> Store:
    """The store at `location`: a `.gpkg` path now; a PostGIS URL in a later version."""
    if location.startswith(("postgresql:", "postgres:")):
        raise ConfigError("PostGIS stores are not supported yet; use a .gpkg path")
    if not location.endswith(".gpkg"):
        raise ConfigError(f"store {location!r}: expected a GeoPackage path ending in .gpkg")
    return GeoPackageStore(location)


__all__ = ["GeoPackageStore", "Store", "open_store"]
