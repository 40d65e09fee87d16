"""Population grids (GeoTIFF, persons per cell) into and out of the store.

How the store holds a grid: the cells stay a GeoTIFF, copied into a managed folder beside the
store under a name made of its SHA-256 (written once, never changed); the store holds one row
of layer `population_grids` per grid (footprint, file name, hash, size, cell size, year,
source, licence), written by the ordinary audited `import_layer` transaction. So both
backends (GeoPackage and PostGIS) hold grids the same way, a store version always points at
the same bytes, and rasterio reads the file window by window (a 100 m grid of Tajikistan is
about 60 M cells: it is never read whole). Folders:

- GeoPackage `data/eoc.gpkg` → `data/eoc.rasters/`;
- PostGIS → `data/rasters/<schema>/` of the project (in a deployment with several app
  servers, a volume they all mount there).

    eoc import population_grids tjk_ppp_2020_1km_Aggregated.tif --reason "WorldPop 1 km"
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import rasterio.errors
import shapely
from exactextract import exact_extract
from pyproj import CRS, Geod

import layers
from eoc.config import DEFAULT_SEED_DIR, PROJECT_DIR
from eoc.i18n import _
from eoc.io.safety import ImportRefusedError

GRID_LAYER = "population_grids"
RASTER_SUFFIXES = (".tif", ".tiff")
WORLDPOP_LICENCE = "CC BY 4.0"
_WGS84 = "EPSG:4326"
_CHUNK = 1 << 20
GRID_CACHE_MB = 64  # decoded raster blocks GDAL may keep while sums are taken
_YEAR = re.compile(r"(?<!\d)(19|20)\d{2}(?!\d)")


def is_raster(path: str | os.PathLike[str]) -> bool:
    """Whether `path` is a GeoTIFF (by its name), i.e. a population grid to import."""
    return Path(path).suffix.lower() in RASTER_SUFFIXES


@dataclass(frozen=True)
class GridImport:
    version: int
    grid_id: str
    cell_km: float
    people: float
    path: Path


# -- where the files live --------------------------------------------------------------------


def grid_folder(store) -> Path:
    """The managed folder of `store`'s grid files (see the module docstring)."""
    location = str(store.location)
    if location.startswith(("postgresql:", "postgres:")):
        return PROJECT_DIR / "data" / "rasters" / str(getattr(store, "schema", "eoc"))
    path = Path(location)
    return path.with_name(path.stem + ".rasters")


def copy_grid_files(source, target) -> int:
    """Every grid file of store `source` into store `target`'s folder, if not there yet.

    Files are named by their hash and never change, so a file already there is the same
    bytes; each is written whole, then renamed (a reader never sees half a grid). Backups and
    restores carry the grids this way. Returns how many files were copied."""
    source_folder, target_folder = grid_folder(source), grid_folder(target)
    if not source_folder.is_dir() or source_folder.resolve() == target_folder.resolve():
        return 0
    copied = 0
    for path in sorted(source_folder.iterdir()):
        if not path.is_file() or path.name.endswith(".part"):
            continue
        target_folder.mkdir(parents=True, exist_ok=True)
        out = target_folder / path.name
        if out.is_file():
            continue
        tmp = out.with_name(out.name + ".part")
        shutil.copyfile(path, tmp)
        os.replace(tmp, out)
        copied += 1
    return copied


def managed_name(sha256: str, file: str) -> str:
    """`tj_worldpop.tif` with hash eb86a1… → `eb86a186879865306e7a-tj_worldpop.tif`."""
    return f"{sha256[:20]}-{Path(file).name}"


def grid_path(store, row: pd.Series, *, seed_dir: Path | None = None) -> Path | None:
    """The file of grid `row`, or None if neither the managed folder nor `seed_dir` holds it.

    A file counts only if its size is the registered one (a cheap check against a swapped
    file; the hash was checked when it was registered).
    """
    size = int(row["bytes"])
    candidates = [grid_folder(store) / managed_name(str(row["sha256"]), str(row["file"]))]
    if seed_dir is not None:
        candidates.append(Path(seed_dir) / Path(str(row["file"])).name)
    for path in candidates:
        if path.is_file() and path.stat().st_size == size:
            return path
    return None


def current_grid(grids: gpd.GeoDataFrame) -> pd.Series | None:
    """The grid in use: the one registered last (None if the store holds none)."""
    if grids is None or grids.empty:
        return None
    times = pd.to_datetime(grids["registered_utc"], utc=True)
    return grids.iloc[int(np.argmax(times.to_numpy()))]


def grid_file_in_use(store, grids: gpd.GeoDataFrame | None) -> Path | None:
    """The file of the grid in use (`current_grid`), or None; a copied store without its grid
    folder falls back to the seed's file when it is the same one (same name and size)."""
    row = current_grid(grids)
    if row is None:
        return None
    return grid_path(store, row, seed_dir=DEFAULT_SEED_DIR)


@contextmanager
def open_grid(path: Path) -> Iterator[rasterio.DatasetReader]:
    """The grid file opened for windowed reads (closed after the block).

    GDAL keeps decoded blocks in a cache of 5 % of the machine's memory by default, which
    for a 100 m grid of the country grows to the whole grid; GRID_CACHE_MB caps it.
    """
    with rasterio.Env(GDAL_CACHEMAX=GRID_CACHE_MB), rasterio.open(path) as dataset:
        yield dataset


# -- registering a grid ----------------------------------------------------------------------


def describe_grid(
    path: str | os.PathLike[str],
    *,
    registered: datetime,
    grid_id: str | None = None,
    sha256: str | None = None,
) -> gpd.GeoDataFrame:
    """The `population_grids` row of the GeoTIFF at `path` (read by windows; nothing stored).

    Source, licence and year come from the file's tags (`source`, `licence`, `year`) where it
    has them; a WorldPop file straight from worldpop.org has none, so the name gives the year
    and the licence is WorldPop's (CC BY 4.0).
    """
    path = Path(path)
    try:
        dataset = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        raise ImportRefusedError(
            _("{file} is not a GeoTIFF that can be read: {error}").format(file=path.name, error=exc)
        ) from None
    with dataset:
        if dataset.count < 1 or dataset.crs is None:
            message = _("{file} has no coordinate system or no band; a grid needs both")
            raise ImportRefusedError(message.format(file=path.name))
        if not np.issubdtype(np.dtype(dataset.dtypes[0]), np.number):
            raise ImportRefusedError(
                _("{file} does not hold numbers of people per cell").format(file=path.name)
            )
        tags = dataset.tags()
        footprint = gpd.GeoSeries([shapely.box(*dataset.bounds)], crs=dataset.crs)
        people = float(
            exact_extract(dataset, gpd.GeoDataFrame(geometry=footprint), ["sum"], output="pandas")[
                "sum"
            ].iloc[0]
        )
        cell_km = _cell_km(dataset)
        outline = footprint.to_crs(_WGS84)
    digest = sha256 or file_sha256(path)
    year = tags.get("year") or _year_in(path.name)
    source = tags.get("source") or _("WorldPop (www.worldpop.org), file {file}").format(
        file=path.name
    )
    row = {
        "grid_id": grid_id or f"{path.stem}-{digest[:8]}",
        "title": tags.get("title") or path.stem,
        "file": path.name,
        "sha256": digest,
        "bytes": path.stat().st_size,
        "cell_km": round(cell_km, 3),
        "year": int(year) if year else None,
        "people": round(people, 1),
        "source": source,
        "licence": tags.get("licence") or WORLDPOP_LICENCE,
        "registered_utc": pd.Timestamp(registered).tz_convert("UTC"),
    }
    frame = gpd.GeoDataFrame([row], geometry=list(outline), crs=_WGS84)
    return layers.conform(frame, layers.get(GRID_LAYER))


def import_grid(
    store, path: str | os.PathLike[str], *, user: str, reason: str, now: datetime
) -> GridImport:
    """Copy the GeoTIFF into the store's grid folder, then register it in one transaction.

    The copy is written under a temporary name and renamed, so a crash leaves no half file;
    a grid already there (same hash) is not copied again. Earlier grids stay registered (and
    their files kept) so that earlier store versions can be read again.
    """
    path = Path(path)
    digest = file_sha256(path)
    row = describe_grid(path, registered=now, sha256=digest)
    folder = grid_folder(store)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / managed_name(digest, path.name)
    if not (target.is_file() and target.stat().st_size == path.stat().st_size):
        fd, tmp = tempfile.mkstemp(prefix=target.name + ".", suffix=".part", dir=folder)
        os.close(fd)
        try:
            shutil.copyfile(path, tmp)
            os.replace(tmp, target)
        finally:
            Path(tmp).unlink(missing_ok=True)
    version = store.import_layer(GRID_LAYER, row, mode="upsert", user=user, reason=reason, now=now)
    return GridImport(
        version=version,
        grid_id=str(row["grid_id"].iloc[0]),
        cell_km=float(row["cell_km"].iloc[0]),
        people=float(row["people"].iloc[0]),
        path=target,
    )


def publish_seed_grids(store, grids: gpd.GeoDataFrame, seed_dir: Path) -> None:
    """Copy the seed's grid files into the store's folder, before the rows that name them."""
    folder = grid_folder(store)
    for _index, row in grids.iterrows():
        source = Path(seed_dir) / str(row["file"])
        if not source.is_file():
            continue  # the report then says the grid is missing and counts towns instead
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / managed_name(str(row["sha256"]), str(row["file"]))
        if not target.is_file():
            tmp = target.with_name(target.name + ".part")
            shutil.copyfile(source, tmp)
            os.replace(tmp, target)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _cell_km(dataset) -> float:
    """The cell width in km (for a grid in degrees, at the grid's middle latitude)."""
    width = abs(dataset.transform.a)
    crs = CRS.from_user_input(dataset.crs.to_wkt())
    if crs.is_geographic:
        left, bottom, right, top = dataset.bounds
        middle = (bottom + top) / 2
        _az, _back, metres = Geod(ellps="WGS84").inv(left, middle, left + width, middle)
        return metres / 1000.0
    return width * crs.axis_info[0].unit_conversion_factor / 1000.0


def _year_in(name: str) -> str | None:
    found = _YEAR.search(name)
    return found.group(0) if found else None


def import_raster_command(store, args, *, say) -> int:
    """`eoc import population_grids FILE.tif`: check, copy and register the grid."""
    import getpass
    from datetime import UTC

    if args.layer != GRID_LAYER:
        raise ImportRefusedError(
            _("{file} is a raster; rasters go into layer {grid}, not {layer}").format(
                file=args.file.name, grid=GRID_LAYER, layer=args.layer
            )
        )
    if args.dry_run:
        row = describe_grid(args.file, registered=datetime.now(UTC))
        say(_grid_line(row))
        say(_("dry run: nothing was written"))
        return 0
    result = import_grid(
        store,
        args.file,
        user=args.user or f"cli:{getpass.getuser()}",
        reason=args.reason or _("import of {file}").format(file=args.file.name),
        now=datetime.now(UTC),
    )
    say(
        _(
            "population grid {grid} registered: cells of {cell_km} km, {people} people; "
            "store version {version}"
        ).format(
            grid=result.grid_id,
            cell_km=f"{result.cell_km:.2f}",
            people=f"{result.people:,.0f}",
            version=result.version,
        )
    )
    return 0


def _grid_line(row: gpd.GeoDataFrame) -> str:
    return _("population grid {grid}: cells of {cell_km} km, {people} people").format(
        grid=row["grid_id"].iloc[0],
        cell_km=f"{float(row['cell_km'].iloc[0]):.2f}",
        people=f"{float(row['people'].iloc[0]):,.0f}",
    )
