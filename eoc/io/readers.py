"""Read an incoming file into a frame: GeoJSON, GeoPackage, zipped Shapefile, KML, CSV, XLSX.

Each reader runs only after `safety` accepted the file, and turns every parser failure into
an `ImportRefusedError` naming the file: a malformed file is a message, never a crash.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from eoc.i18n import N_, _
from eoc.io import safety
from eoc.io.columns import Tag, hxl_tag_row
from eoc.io.limits import ImportLimits
from eoc.io.safety import ImportRefusedError

ROW = N_("row")  # a line of a table (CSV, XLSX), counted as the spreadsheet counts it
FEATURE = N_("feature")  # a feature of a vector file, counted from 1


@dataclass
class Source:
    """What a file held, before its columns are matched to a layer."""

    frame: pd.DataFrame  # a GeoDataFrame for vector formats
    format: str
    row_numbers: list[int]  # for each frame row, its number in the file (spreadsheet rows)
    row_word: str = ROW
    encoding: str | None = None
    tags: dict[str, str] | None = None  # column -> HXL tag
    layer: str | None = None  # the GeoPackage/KML layer or XLSX sheet read
    notes: list[str] = field(default_factory=list)

    @property
    def is_vector(self) -> bool:
        return isinstance(self.frame, gpd.GeoDataFrame)


def read_source(
    path: Path,
    *,
    source_layer: str | None = None,
    target_layer: str | None = None,
    limits: ImportLimits | None = None,
) -> Source:
    """Check `path` (size, format, archive, encoding) and read it, at most `limits.max_rows`."""
    limits = limits or ImportLimits()
    if not path.is_file():
        raise ImportRefusedError(_("there is no file {path}").format(path=path))
    safety.check_size(path, max_bytes=limits.max_bytes)
    kind = safety.detect_format(path)
    reader = _READERS[kind]
    try:
        # Readers stop one row past the limit: enough to know the file is too long.
        source = reader(
            path, source_layer=source_layer, target_layer=target_layer, max_rows=limits.max_rows
        )
    except ImportRefusedError:
        raise
    except Exception as exc:  # noqa: BLE001 - parsers of untrusted files raise anything
        raise ImportRefusedError(
            _("{file} could not be read as {format}: {error}").format(
                file=path.name, format=kind, error=_short(exc)
            )
        ) from None
    limits.check_rows(len(source.frame), name=path.name)
    return source


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


# -- vector formats ------------------------------------------------------------------------


def _read_geojson(path: Path, *, max_rows: int, **_options: str | None) -> Source:
    decoded = safety.decode_text(path.read_bytes(), name=path.name)
    try:
        document = json.loads(decoded.text)
    except json.JSONDecodeError as exc:
        raise ImportRefusedError(
            _("{file} is not valid JSON (line {line}, column {column}: {error})").format(
                file=path.name, line=exc.lineno, column=exc.colno, error=exc.msg
            )
        ) from None
    if not isinstance(document, dict) or document.get("type") not in (
        "FeatureCollection",
        "Feature",
    ):
        raise ImportRefusedError(
            _("{file} is JSON but not a GeoJSON FeatureCollection").format(file=path.name)
        )
    features = document.get("features")
    if isinstance(features, list) and len(features) > max_rows:
        ImportLimits(max_rows=max_rows).check_rows(len(features), name=path.name)
    gdf = pyogrio.read_dataframe(
        io.BytesIO(decoded.text.encode("utf-8")), max_features=max_rows + 1
    )
    return _vector(gdf, "geojson", encoding=decoded.encoding)


def _read_gpkg(
    path: Path, *, source_layer: str | None, target_layer: str | None, max_rows: int
) -> Source:
    tables, views = _gpkg_tables(path)
    if source_layer in views or (not source_layer and not tables and views):
        raise ImportRefusedError(
            _(
                "{file}: '{layer}' is a view (a query), not a table; views are not imported: "
                "save its result as a layer (in QGIS: Export > Save Features As)"
            ).format(file=path.name, layer=source_layer or sorted(views)[0])
        )
    name = _choose_layer(path, tables, source_layer, target_layer)
    _gpkg_row_count(path, name, max_rows=max_rows)
    gdf = pyogrio.read_dataframe(path, layer=name, max_features=max_rows + 1)
    return _vector(gdf, "gpkg", layer=name)


def _gpkg_tables(path: Path) -> tuple[list[str], set[str]]:
    """The feature tables of a GeoPackage, and its feature layers that are views.

    Read with SQLite itself (read-only), so that nothing in the file is evaluated: a view
    can be a recursive query producing any number of rows from a few bytes.
    """
    with closing(sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)) as con:
        listed = [
            str(name)
            for (name,) in con.execute(
                "SELECT table_name FROM gpkg_contents WHERE data_type = 'features'"
            )
        ]
        kinds = dict(con.execute("SELECT name, type FROM sqlite_master"))
    views = {name for name in listed if kinds.get(name) != "table"}
    return [name for name in listed if name not in views], views


def _gpkg_row_count(path: Path, name: str, *, max_rows: int) -> None:
    with closing(sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)) as con:
        # The name is one the file lists as a table (checked above); quoted as an identifier.
        quoted = '"' + name.replace('"', '""') + '"'
        (count,) = con.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {quoted} LIMIT ?)",  # noqa: S608
            (max_rows + 1,),
        ).fetchone()
    ImportLimits(max_rows=max_rows).check_rows(count, name=path.name)


def _read_kml(
    path: Path, *, source_layer: str | None, target_layer: str | None, max_rows: int
) -> Source:
    head = path.read_bytes()
    safety.decode_text(head, name=path.name)
    if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
        # Entity declarations are how XML bombs and file disclosure work; KML needs none.
        raise ImportRefusedError(
            _("{file}: KML with a DOCTYPE or ENTITY declaration is refused").format(file=path.name)
        )
    names = _feature_layers(path)
    if source_layer or len(names) <= 1:
        name = _choose_layer(path, names, source_layer, target_layer)
        gdf = pyogrio.read_dataframe(path, layer=name, max_features=max_rows + 1)
        return _vector(gdf, "kml", layer=name)
    frames = [pyogrio.read_dataframe(path, layer=n, max_features=max_rows + 1) for n in names]
    gdf = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)
    source = _vector(gdf, "kml")
    source.notes.append(_("all {count} folders of the KML were read").format(count=len(names)))
    return source


def _read_shapefile_zip(
    path: Path, *, source_layer: str | None, target_layer: str | None, max_rows: int
) -> Source:
    members = [m.filename for m in safety.check_zip(path) if not m.is_dir()]
    shapes = {
        PurePosixPath(m).stem: m
        for m in members
        if m.lower().endswith(".shp") and not m.startswith("__MACOSX")
    }
    if not shapes:
        raise ImportRefusedError(
            _(
                "{file} holds no shapefile (.shp); zip the .shp, .shx, .dbf and .prj together"
            ).format(file=path.name)
        )
    stem = _choose_layer(path, list(shapes), source_layer, target_layer)
    base = shapes[stem][: -len(".shp")]
    parts = {m[len(base) :].lower(): m for m in members if m.startswith(base + ".")}
    missing = [ext for ext in (".shx", ".dbf") if ext not in parts]
    if missing:
        raise ImportRefusedError(
            _("{file}: the shapefile {name} has no {parts} file; zip all its parts").format(
                file=path.name, name=stem, parts=", ".join(missing)
            )
        )
    wanted = [parts[ext] for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg") if ext in parts]
    with tempfile.TemporaryDirectory(prefix="eoc-import-") as tmp:
        safety.extract_members(path, wanted, Path(tmp))
        gdf = pyogrio.read_dataframe(
            Path(tmp) / PurePosixPath(shapes[stem]).name, max_features=max_rows + 1
        )
    source = _vector(gdf, "shapefile_zip", layer=stem)
    if ".prj" not in parts:
        source.notes.append(_("the shapefile has no .prj file (coordinate system)"))
    return source


def _feature_layers(path: Path) -> list[str]:
    return [str(name) for name, geom in pyogrio.list_layers(path) if geom is not None]


def _choose_layer(path: Path, names: list[str], wanted: str | None, target: str | None) -> str:
    if wanted:
        if wanted not in names:
            raise ImportRefusedError(
                _("{file} has no layer '{layer}'; it has: {layers}").format(
                    file=path.name, layer=wanted, layers=", ".join(names) or "-"
                )
            )
        return wanted
    if len(names) == 1:
        return names[0]
    if target in names:
        return target
    if not names:
        raise ImportRefusedError(_("{file} holds no map layer").format(file=path.name))
    raise ImportRefusedError(
        _("{file} has several layers ({layers}); choose one with --layer").format(
            file=path.name, layers=", ".join(names)
        )
    )


def _vector(
    gdf: gpd.GeoDataFrame, kind: str, *, encoding: str | None = None, layer: str | None = None
) -> Source:
    if gdf.geometry.has_z.any():
        gdf = gdf.set_geometry(shapely.force_2d(gdf.geometry.to_numpy()), crs=gdf.crs)
    gdf = gdf.reset_index(drop=True)
    return Source(
        gdf,
        kind,
        row_numbers=list(range(1, len(gdf) + 1)),
        row_word=FEATURE,
        encoding=encoding,
        layer=layer,
    )


# -- tables --------------------------------------------------------------------------------

_DELIMITERS = ",;\t|"


def _read_csv(path: Path, *, max_rows: int, **_options: str | None) -> Source:
    decoded = safety.decode_text(path.read_bytes(), name=path.name)
    text = decoded.text
    sample = text[:20000]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        delimiter = ","
    frame = pd.read_csv(
        io.StringIO(text),
        sep=delimiter,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        on_bad_lines="error",
        engine="python",
        skip_blank_lines=False,
        nrows=max_rows + 2,  # a HXL tag row and one row past the limit
    )
    _early_row_check(frame, max_rows, path)
    return _table(frame, "csv", path=path, encoding=decoded.encoding)


def _read_xlsx(
    path: Path, *, source_layer: str | None, max_rows: int, **_options: str | None
) -> Source:
    names = {m.filename for m in safety.check_zip(path)}
    if "xl/workbook.xml" not in names:
        raise ImportRefusedError(
            _("{file} does not contain what its name says ({ext}); nothing was read").format(
                file=path.name, ext=".xlsx"
            )
        )
    frame = pd.read_excel(
        path,
        sheet_name=source_layer or 0,
        dtype=object,
        engine="openpyxl",
        header=0,
        nrows=max_rows + 2,
    )
    _early_row_check(frame, max_rows, path)
    source = _table(frame, "xlsx", path=path)
    source.layer = source_layer
    return source


def _early_row_check(frame: pd.DataFrame, max_rows: int, path: Path) -> None:
    """Refuse a long table before any per-cell work (one HXL tag row may be among them)."""
    if len(frame) > max_rows + 1:
        ImportLimits(max_rows=max_rows).check_rows(len(frame), name=path.name)


def _table(frame: pd.DataFrame, kind: str, *, path: Path, encoding: str | None = None) -> Source:
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    numbers = list(range(2, 2 + len(frame)))  # the header is row 1, as a spreadsheet counts
    tags = hxl_tag_row(frame)
    if tags is not None:
        frame, numbers = frame.iloc[1:], numbers[1:]
    elif all(Tag.parse(c) for c in frame.columns):
        tags = {c: c for c in frame.columns}
    filled = frame.map(lambda v: not (v is None or pd.isna(v) or str(v).strip() == ""))
    keep = filled.any(axis=1).to_numpy()
    frame = frame[keep].reset_index(drop=True)
    numbers = [n for n, kept in zip(numbers, keep, strict=True) if kept]
    if frame.empty:
        raise ImportRefusedError(_("{file} has a header but no rows").format(file=path.name))
    return Source(frame, kind, row_numbers=numbers, encoding=encoding, tags=tags)


_READERS = {
    "geojson": _read_geojson,
    "gpkg": _read_gpkg,
    "kml": _read_kml,
    "shapefile_zip": _read_shapefile_zip,
    "csv": _read_csv,
    "xlsx": _read_xlsx,
}
