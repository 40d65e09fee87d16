"""Stores: where layers live. `open_store` picks the backend from the location."""

from __future__ import annotations

from eoc.errors import ConfigError
from eoc.store.base import Store
from eoc.store.geopackage import GeoPackageStore


def open_store(location: str) -> Store:
    """The store at `location`: a `.gpkg` path, or a postgresql:// URL (`?schema=`, default eoc)."""
    if location.startswith(("postgresql:", "postgres:")):
        try:
            # Imported here: only a shared deployment needs psycopg.
            from eoc.store.postgis import PostGISStore
        except ImportError as exc:
            raise ConfigError(
                f"store {location.split('@')[-1]}: PostGIS stores need psycopg"
                " (pip install 'psycopg[binary]')"
            ) from exc
        return PostGISStore(location)
    if not location.endswith(".gpkg"):
        raise ConfigError(f"store {location!r}: expected a GeoPackage path ending in .gpkg")
    return GeoPackageStore(location)


__all__ = ["GeoPackageStore", "Store", "open_store"]
