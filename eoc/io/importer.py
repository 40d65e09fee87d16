"""Import a file into a layer: read, map columns, reproject, check, then one store transaction.

    prepared = prepare_import(path, "displacement_sites", country_path=...)   # writes nothing
    prepared.problems, prepared.notices                                      # the preview
    result = apply_import(store, prepared, mode="replace", user=..., reason=..., now=...)

All or nothing by default: a single bad row imports nothing and every problem is reported
with its row number (as the spreadsheet counts it) and field. With `skip_invalid` the good
rows are imported and the rejected ones written, with their reasons, to a CSV beside the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

import layers
from eoc.errors import EocError, ValidationError
from eoc.i18n import N_, _, format_number
from eoc.io import columns as cols
from eoc.io.crs import WGS84, parse_crs, to_wgs84
from eoc.io.geography import load_country, outside_problems, repair_geometries
from eoc.io.limits import ImportLimits
from eoc.io.readers import FEATURE, Source, read_source
from eoc.io.safety import ImportRefusedError
from eoc.permissions import Role, may_import
from eoc.store.base import Store
from layers.validation import Problem

MODES = ("replace", "upsert")
ROW_AT = N_("row {row}")
FEATURE_AT = N_("feature {row}")
DUPLICATE_TEMPLATE = "{field} {value} appears more than once"  # layers.validation's message
DUPLICATE_ID = N_("{field} {value} is used by more than one row ({rows}); ids must be unique")
DUPLICATE_ROWS_SHOWN = 5  # row numbers named in each duplicate-id problem
LISTED_PROBLEMS = 50  # problems listed in a refusal's message (the preview lists more)
AND_MORE = N_("and {count} more")
NOT_A_COORDINATE = N_("{field} '{value}' is not a number")
BAD_WKT = N_("'{value}' is not a WKT geometry")
NO_COORDINATES = N_(
    "{file} has no coordinates: it needs latitude and longitude columns (lat/lon, "
    "широта/долгота, x/y, #geo+lat/#geo+lon) or a WKT column; name them with --map COLUMN=lat"
)
_DECIMAL_COMMA = re.compile(r"^\s*-?\d+,\d+\s*$")


def _identity(message: str) -> str:
    return message


@dataclass
class PreparedImport:
    """A file read, mapped, reprojected and checked: what the preview shows; nothing written."""

    layer: str
    path: Path
    frame: gpd.GeoDataFrame  # the layer's fields and geometry, in EPSG:4326
    original: pd.DataFrame  # the rows as the file had them (for the rejects file)
    row_numbers: list[int]
    row_word: str
    source_crs: pyproj.CRS
    problems: list[Problem] = field(default_factory=list)  # errors
    notices: list[Problem] = field(default_factory=list)  # repairs made
    notes: list[str] = field(default_factory=list)  # what was read and how (translated)

    @property
    def spec(self) -> layers.LayerSpec:
        return layers.get(self.layer)

    @property
    def layer_problems(self) -> list[Problem]:
        """Problems of the whole file (a missing column): no row can be imported."""
        return [p for p in self.problems if p.row is None]

    @property
    def bad_rows(self) -> list[int]:
        return sorted({p.row for p in self.problems if p.row is not None})

    def importable(self, *, skip_invalid: bool = False) -> bool:
        if self.layer_problems or self.frame.empty:
            return False
        if skip_invalid:
            return len(self.bad_rows) < len(self.frame)
        return not self.problems

    def describe(self, problem: Problem, translate: Callable[[str], str] = _identity) -> str:
        """'row 12 · site TJ-DS-0007 · individuals: individuals -5 is below 0'."""
        if problem.row is None:
            return problem.render(translate)
        template = FEATURE_AT if self.row_word == FEATURE else ROW_AT
        parts = [translate(template).format(row=self.row_numbers[problem.row])]
        if problem.feature_id:
            item = translate(problem.item_label)
            parts.append(translate("{item} {id}").format(item=item, id=problem.feature_id))
        if problem.field:
            parts.append(problem.field)
        message = translate(problem.template).format(**dict(problem.params))
        return f"{' · '.join(parts)}: {message}"

    def good_frame(self) -> gpd.GeoDataFrame:
        keep = np.ones(len(self.frame), dtype=bool)
        keep[self.bad_rows] = False
        return self.frame[keep].reset_index(drop=True)

    def rejects(self, translate: Callable[[str], str] = _identity) -> pd.DataFrame:
        """The rejected rows as the file had them, with their row number and reasons."""
        reasons: dict[int, list[str]] = {}
        for p in self.problems:
            if p.row is not None:
                reasons.setdefault(p.row, []).append(self.describe(p, translate))
        rows = self.bad_rows
        out = self.original.iloc[rows].copy()
        if isinstance(out, gpd.GeoDataFrame):
            out = pd.DataFrame(out.drop(columns=out.geometry.name)).assign(
                wkt=[g.wkt if g is not None else "" for g in self.original.geometry.iloc[rows]]
            )
        out.insert(0, "source_row", [self.row_numbers[r] for r in rows])
        out.insert(1, "problems", ["; ".join(reasons[r]) for r in rows])
        return out.reset_index(drop=True)


class ImportValidationError(ValidationError):
    """Rows of an import failed the checks; nothing was written. Rendered with row numbers."""

    def __init__(self, prepared: PreparedImport) -> None:
        self.prepared = prepared
        super().__init__(prepared.problems, action=N_("nothing was imported"))

    def render(self, translate=_identity) -> str:
        head = translate("{count} problem(s) found, {action}:").format(
            count=format_number(len(self.problems)), action=translate(self.action)
        )
        lines = describe_problems(self.prepared, self.problems, translate, limit=LISTED_PROBLEMS)
        return "\n".join([head, *(f"  - {line}" for line in lines)])


def describe_problems(
    prepared: PreparedImport,
    problems: list[Problem],
    translate: Callable[[str], str] = _identity,
    *,
    limit: int,
) -> list[str]:
    """The first `limit` problems described, then "… and N more": bounded whatever the file."""
    lines = [prepared.describe(p, translate) for p in problems[:limit]]
    if len(problems) > limit:
        lines.append("… " + translate(AND_MORE).format(count=format_number(len(problems) - limit)))
    return lines


@dataclass(frozen=True)
class ImportResult:
    version: int
    imported: int
    rejected: int
    rejects_path: Path | None
    notices: tuple[str, ...] = ()


def prepare_import(
    path: str | Path,
    layer: str,
    *,
    country_path: str | Path,
    crs: str | int | None = None,
    mapping: Mapping[str, str] | None = None,
    source_layer: str | None = None,
    limits: ImportLimits | None = None,
) -> PreparedImport:
    """Read `path` for `layer` and find every problem; writes nothing.

    Bounded by `limits`: rows, bytes, and the seconds reading and checking may take.
    """
    path = Path(path)
    limits = limits or ImportLimits()
    deadline = limits.deadline(name=path.name)
    try:
        spec = layers.get(layer)
    except layers.UnknownLayerError as exc:
        raise ImportRefusedError(str(exc)) from None
    source = read_source(path, source_layer=source_layer, target_layer=layer, limits=limits)
    deadline.check()
    geometry_name = source.frame.geometry.name if source.is_vector else None
    names = [c for c in source.frame.columns if c != geometry_name]
    mapping_found = cols.map_columns(names, spec, explicit=mapping, tags=source.tags)
    gdf, coordinate_problems = _with_geometry(source, mapping_found, spec, name=path.name)
    override = parse_crs(crs)
    # A table without --crs is WGS 84, unless its numbers cannot be degrees (then: refused).
    gdf, source_crs = to_wgs84(gdf, override=override, name=path.name)
    gdf = gpd.GeoDataFrame(cols.tidy_values(gdf, spec), geometry=gdf.geometry.name, crs=WGS84)
    gdf, notices = repair_geometries(gdf, spec)
    deadline.check()
    problems = _check(gdf, spec, coordinate_problems, country_path, source.row_numbers)
    deadline.check()
    prepared = PreparedImport(
        layer=layer,
        path=path,
        frame=gdf,
        original=source.frame,
        row_numbers=source.row_numbers,
        row_word=source.row_word,
        source_crs=source_crs,
        problems=problems,
        notices=notices,
        notes=[*source.notes, *_notes(source, mapping_found, source_crs)],
    )
    return prepared


def apply_import(
    store: Store,
    prepared: PreparedImport,
    *,
    mode: str = "replace",
    skip_invalid: bool = False,
    user: str,
    role: Role | str | None,
    reason: str,
    now: datetime,
    rejects_path: Path | None = None,
) -> ImportResult:
    """Write the prepared rows in ONE store transaction; or nothing, with every problem.

    `role` is the importing user's (refused unless it may edit the layer); None only for the
    store's own operator at its command line.
    """
    check_import_right(role, prepared.layer)
    if mode not in MODES:
        raise ImportRefusedError(_("unknown import mode '{mode}'").format(mode=mode))
    if not prepared.importable(skip_invalid=skip_invalid):
        if not prepared.problems:
            raise ImportRefusedError(
                _("{file} has no rows to import").format(file=prepared.path.name)
            )
        raise ImportValidationError(prepared)
    rows = prepared.good_frame() if skip_invalid else prepared.frame
    written = None
    if skip_invalid and prepared.bad_rows:
        written = rejects_path or default_rejects_path(prepared.path)
        prepared.rejects(_).to_csv(written, index=False, encoding="utf-8-sig")
    version = store.import_layer(prepared.layer, rows, mode=mode, user=user, reason=reason, now=now)
    return ImportResult(
        version=version,
        imported=len(rows),
        rejected=len(prepared.bad_rows),
        rejects_path=written,
        notices=tuple(prepared.describe(n, _) for n in prepared.notices),
    )


def check_import_right(role: Role | str | None, layer: str) -> None:
    """Refuse unless `role` may import into `layer` (None: the operator, who holds the store)."""
    if role is not None and not may_import(role, layer):
        raise EocError(
            _("refused: role '{role}' may not import into {layer}").format(
                role=role, layer=_(layers.get(layer).title)
            )
        )


def default_rejects_path(path: Path) -> Path:
    """`sites.csv` -> `sites.csv.rejects.csv`, beside the input."""
    return path.with_name(path.name + ".rejects.csv")


# -- steps -----------------------------------------------------------------------------------


def _with_geometry(
    source: Source, mapping: cols.ColumnMapping, spec: layers.LayerSpec, *, name: str
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """The spec's fields renamed from the source, with a geometry (from coordinates if a table)."""
    frame = source.frame
    data = pd.DataFrame(
        {target: frame[column].to_numpy() for column, target in mapping.renames.items()},
        index=frame.index,
    )
    if source.is_vector:
        return gpd.GeoDataFrame(data, geometry=frame.geometry.to_numpy(), crs=frame.crs), []
    problems: list[Problem] = []
    ids = data[spec.id_field] if spec.id_field in data else pd.Series(None, index=data.index)
    if mapping.lat and mapping.lon:
        lon = _numbers(frame[mapping.lon], cols.LON, spec, ids, problems)
        lat = _numbers(frame[mapping.lat], cols.LAT, spec, ids, problems)
        ok = ~(np.isnan(lon) | np.isnan(lat))
        geometry = np.full(len(frame), None, dtype=object)
        geometry[ok] = shapely.points(lon[ok], lat[ok])
    elif mapping.wkt:
        geometry = _from_wkt(frame[mapping.wkt], spec, ids, problems)
    else:
        raise ImportRefusedError(_(NO_COORDINATES).format(file=name))
    return gpd.GeoDataFrame(data, geometry=list(geometry), crs=None), problems


def _numbers(
    values: pd.Series,
    name: str,
    spec: layers.LayerSpec,
    ids: pd.Series,
    problems: list[Problem],
) -> np.ndarray:
    out = np.full(len(values), np.nan)
    for row, value in enumerate(values):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            continue
        text = str(value).strip()
        if not text:
            continue
        if _DECIMAL_COMMA.match(text):
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            number = np.nan
        if not np.isfinite(number):
            problems.append(
                Problem.of(spec, row, _id(ids, row), name, NOT_A_COORDINATE, field=name, value=text)
            )
            continue
        out[row] = number
    return out


def _from_wkt(
    values: pd.Series, spec: layers.LayerSpec, ids: pd.Series, problems: list[Problem]
) -> np.ndarray:
    out = np.full(len(values), None, dtype=object)
    for row, value in enumerate(values):
        if value is None or not str(value).strip():
            continue
        try:
            out[row] = shapely.from_wkt(str(value))
        except shapely.errors.GEOSException:
            problems.append(
                Problem.of(spec, row, _id(ids, row), "geometry", BAD_WKT, value=str(value)[:60])
            )
    return out


def _id(ids: pd.Series, row: int) -> str | None:
    value = ids.iloc[row]
    return None if value is None or pd.isna(value) or not str(value).strip() else str(value)


def _check(
    gdf: gpd.GeoDataFrame,
    spec: layers.LayerSpec,
    coordinate_problems: list[Problem],
    country_path: str | Path,
    row_numbers: list[int],
) -> list[Problem]:
    found = [p for p in layers.validate(gdf, spec) if p.template != DUPLICATE_TEMPLATE]
    found += _duplicate_ids(gdf, spec, row_numbers)
    found += coordinate_problems
    if spec.kind == "operational":
        flagged = {p.row for p in found if p.field in ("geometry", cols.LAT, cols.LON)}
        located = [r for r in range(len(gdf)) if r not in flagged]
        country = load_country(str(country_path))
        subset = gdf.iloc[located]
        for p in outside_problems(subset.reset_index(drop=True), spec, country):
            found.append(_at_row(p, located[p.row]))
    return sorted(found, key=lambda p: (-1 if p.row is None else p.row, p.field or ""))


def _at_row(problem: Problem, row: int) -> Problem:
    return Problem(
        problem.layer,
        row,
        problem.feature_id,
        problem.field,
        problem.template,
        problem.params,
        problem.item_label,
    )


def _duplicate_ids(
    gdf: gpd.GeoDataFrame, spec: layers.LayerSpec, row_numbers: list[int]
) -> list[Problem]:
    """Every row whose id another row has too (all of them: which one is right is unknown).

    Each problem names at most DUPLICATE_ROWS_SHOWN rows of its group, then "and N more":
    a filled-down id column makes one group of every row, and listing the whole group in
    each row's problem would grow with the square of the rows.
    """
    problems = []
    for f in spec.fields:
        # The store matches rows by the id field: a repeated id would overwrite a row even
        # where the spec does not declare it unique.
        if not (f.unique or f.name == spec.id_field) or f.name not in gdf.columns:
            continue
        values = gdf[f.name].map(lambda v: None if v is None or pd.isna(v) else str(v).strip())
        positions = pd.Series(np.arange(len(values)), index=values.index)
        repeated = values.notna() & values.duplicated(keep=False)
        for value, rows in positions[repeated].groupby(values[repeated]):
            named = ", ".join(str(row_numbers[r]) for r in rows.iloc[:DUPLICATE_ROWS_SHOWN])
            if len(rows) > DUPLICATE_ROWS_SHOWN:
                more = format_number(len(rows) - DUPLICATE_ROWS_SHOWN)
                named += " " + _(AND_MORE).format(count=more)
            for row in rows:
                problems.append(
                    Problem.of(
                        spec,
                        int(row),
                        value,
                        f.name,
                        DUPLICATE_ID,
                        field=f.name,
                        value=value,
                        rows=named,
                    )
                )
    return problems


def _notes(source: Source, mapping: cols.ColumnMapping, crs: pyproj.CRS) -> list[str]:
    notes = [
        _("{count} rows read ({format})").format(count=len(source.frame), format=source.format)
    ]
    if source.encoding:
        notes.append(_("text encoding: {encoding}").format(encoding=source.encoding))
    notes.append(_("coordinate system: {crs}").format(crs=crs.name))
    if mapping.renames:
        pairs = ", ".join(f"{c} → {f}" for c, f in mapping.renames.items() if c != f)
        if pairs:
            notes.append(_("columns matched: {pairs}").format(pairs=pairs))
    if mapping.unused:
        notes.append(
            _("columns left out (no matching field): {columns}").format(
                columns=", ".join(map(str, mapping.unused))
            )
        )
    return notes
