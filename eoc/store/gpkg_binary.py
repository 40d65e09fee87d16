"""GeoPackage geometry blobs (GeoPackage 1.2 §2.1.3) and the SQL functions GDAL's triggers call.

GDAL creates R-tree triggers that call ST_IsEmpty/ST_MinX/... on every insert and update;
plain sqlite3 does not know them, so a writing connection registers them here.
"""

from __future__ import annotations

import sqlite3
import struct

import shapely
from shapely.geometry.base import BaseGeometry

_MAGIC = b"GP"
_ENVELOPE_DOUBLES = {0: 0, 1: 4, 2: 6, 3: 6, 4: 8}


def encode(geometry: BaseGeometry | None, *, srs_id: int = 4326) -> bytes | None:
    """A GeoPackage blob (little endian; XY envelope except for points, as GDAL writes)."""
    if geometry is None:
        return None
    empty = geometry.is_empty
    with_envelope = not empty and geometry.geom_type != "Point"
    flags = 0x01 | (0x02 if with_envelope else 0) | (0x10 if empty else 0)
    header = _MAGIC + struct.pack("<BBi", 0, flags, srs_id)
    if with_envelope:
        minx, miny, maxx, maxy = geometry.bounds
        header += struct.pack("<4d", minx, maxx, miny, maxy)
    return header + shapely.to_wkb(geometry, byte_order=1, output_dimension=2)


def _split(blob: bytes) -> tuple[int, tuple[float, ...] | None, bool, bytes]:
    if blob[:2] != _MAGIC:
        raise ValueError("not a GeoPackage geometry blob")
    flags = blob[3]
    little = flags & 0x01
    envelope_kind = (flags >> 1) & 0x07
    empty = bool(flags & 0x10)
    srs_id = struct.unpack("<i" if little else ">i", blob[4:8])[0]
    n = _ENVELOPE_DOUBLES[envelope_kind]
    envelope = struct.unpack(("<" if little else ">") + "d" * n, blob[8 : 8 + 8 * n]) if n else None
    return srs_id, envelope, empty, blob[8 + 8 * n :]


def decode(blob: bytes | None) -> BaseGeometry | None:
    if blob is None:
        return None
    return shapely.from_wkb(_split(blob)[3])


def _bounds(blob: bytes | None) -> tuple[float, float, float, float] | None:
    """(minx, maxx, miny, maxy) from the header envelope, or from the geometry."""
    if blob is None:
        return None
    _, envelope, empty, wkb = _split(blob)
    if empty:
        return None
    if envelope:
        return envelope[0], envelope[1], envelope[2], envelope[3]
    minx, miny, maxx, maxy = shapely.from_wkb(wkb).bounds
    return minx, maxx, miny, maxy


def _is_empty(blob: bytes | None) -> int | None:
    return None if blob is None else int(_split(blob)[2])


def _bound(i: int):
    def fn(blob: bytes | None) -> float | None:
        bounds = _bounds(blob)
        return None if bounds is None else bounds[i]

    return fn


def register_functions(con: sqlite3.Connection) -> None:
    """Teach `con` the ST_ functions GDAL's GeoPackage triggers use."""
    con.create_function("ST_IsEmpty", 1, _is_empty, deterministic=True)
    for i, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        con.create_function(name, 1, _bound(i), deterministic=True)
