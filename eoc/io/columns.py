"""Which source column feeds which layer field: names, English/Russian/Tajik aliases, HXL tags.

A column maps to a field by, in this order: an explicit `--map source=field`, the field's own
name, one of its aliases (`ALIASES`, compared case- and punctuation-blind), or its HXL tag
(`#adm1+code` matches a column tagged `#adm1 +code +v_pcode`), or, for a name cut to the
10 characters a shapefile allows, the one field it starts. The first HXL tag in a field's
alias list is also the tag the HXL export writes (see `hxl_tag`), so HXL files round-trip.

HXL tags used for export and recognised on import (displacement sites):

| field | tag | field | tag |
|---|---|---|---|
| site_id | #loc+code | individuals | #affected+idps+ind |
| name | #loc+name | households | #affected+idps+hh |
| site_type | #loc+type | capacity | #capacity |
| adm1_iso | #adm1+code | status | #status |
| adm2_name | #adm2+name | managing_agency | #org+impl |
| last_assessment | #date+assessed | (point) | #geo+lat, #geo+lon |

A field with no tag of its own is written as `#meta+<field>`; line and polygon geometry as
WKT under `#geo+bounds`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

import layers
from eoc.i18n import _
from eoc.io.safety import ImportRefusedError

LAT = "lat"
LON = "lon"
WKT = "wkt"
COORDINATE_TARGETS = (LAT, LON, WKT)
DBF_NAME_LENGTH = 10

LAT_ALIASES = (
    "lat",
    "latitude",
    "y",
    "lat_dd",
    "latitude_dd",
    "gps_latitude",
    "_gps_latitude",
    "coord_y",
    "широта",
    "шир",
    "арз",
    "#geo+lat",
)
LON_ALIASES = (
    "lon",
    "long",
    "lng",
    "longitude",
    "x",
    "lon_dd",
    "longitude_dd",
    "gps_longitude",
    "_gps_longitude",
    "coord_x",
    "долгота",
    "долг",
    "тӯл",
    "#geo+lon",
)
WKT_ALIASES = ("wkt", "geometry", "geom", "the_geom", "#geo+bounds", "#geo+wkt")

# Aliases of fields that several layers share; a layer's own entries below come first.
COMMON_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("#loc+name", "name", "site_name", "название", "наименование", "ном", "номи"),
    "adm1_iso": (
        "#adm1+code",
        "adm1_pcode",
        "adm1_code",
        "region_code",
        "pcode_adm1",
        "код_региона",
        "код_области",
    ),
    "adm2_name": ("#adm2+name", "adm2", "adm2_en", "district", "район", "ноҳия", "нохия"),
    "status": ("#status", "status", "статус", "состояние", "ҳолат"),
    "severity": ("#severity", "severity", "степень", "серьёзность", "серьезность"),
    "description": ("#description", "description", "описание", "тавсиф"),
    "source": ("#meta+source", "source", "источник", "манбаъ"),
    "time_utc": ("#date+time", "time", "datetime", "время", "вақт"),
}

ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "displacement_sites": {
        "site_id": ("#loc+code", "site_code", "site_id", "код_объекта", "код_места", "id"),
        "name": ("#loc+name", "site", "название_места", "место"),
        "site_type": ("#loc+type", "type", "site_type", "тип", "тип_места", "навъ"),
        "households": (
            "#affected+idps+hh",
            "#affected+hh",
            "hh",
            "households",
            "домохозяйства",
            "семьи",
            "оилаҳо",
        ),
        "individuals": (
            "#affected+idps+ind",
            "#affected+ind",
            "#population",
            "individuals",
            "ind",
            "idps",
            "people",
            "persons",
            "человек",
            "люди",
            "лица",
            "вппл",
            "одамон",
        ),
        "capacity": ("#capacity", "capacity", "вместимость", "ёмкость", "иқтидор"),
        "site_area_m2": ("#meta+site_area_m2", "site_area", "area_m2", "площадь_м2"),
        "covered_area_m2": ("#meta+covered_area_m2", "covered_area", "крытая_площадь_м2"),
        "latrines": ("#meta+latrines", "latrines", "туалеты", "уборные"),
        "water_points": ("#meta+water_points", "water_points", "водоразборы", "точки_воды"),
        "managing_agency": (
            "#org+impl",
            "#org",
            "site_management_agency",
            "sma",
            "agency",
            "управляющая_организация",
            "организация",
        ),
        "last_assessment": (
            "#date+assessed",
            "#date",
            "assessment_date",
            "date",
            "дата_оценки",
            "дата",
        ),
        "sensitive": ("#meta+sensitive", "sensitive", "конфиденциально", "закрытый"),
    },
    "incidents": {
        "incident_id": ("#event+id", "id", "incident_code", "код_инцидента"),
        "incident_type": ("#event+type", "type", "тип", "тип_инцидента"),
        "people_affected": ("#affected", "affected", "пострадавшие", "пострадало"),
        "reporter": ("#contact+name", "reporter", "сообщил"),
    },
    "border_checkpoints": {
        "checkpoint_id": ("#loc+code", "id", "код_кпп", "код"),
        # HXL's language attributes: '#loc+name+i_tg' is more specific than the name's tag.
        "name_tg": ("#loc+name+i_tg", "name_tj"),
        "name_ru": ("#loc+name+i_ru",),
        "checkpoint_type": ("#loc+type", "type", "тип"),
        "border_country": ("#country+code", "country", "страна"),
        "staff_count": ("#meta+staff_count", "staff", "персонал"),
    },
    "infrastructure_projects": {
        "project_id": ("#activity+code", "id", "project_code", "код_проекта"),
        "name": ("#activity+name", "project", "project_name", "проект", "название_проекта"),
        "category": ("#sector", "sector", "category", "сектор", "категория"),
        "beneficiaries": ("#reached", "#targeted", "beneficiaries", "бенефициары"),
        "donor": ("#org+funder", "funder", "donor", "донор"),
        "implementing_partner": ("#org+impl", "partner", "implementing_partner", "партнёр"),
        "year": ("#date+year", "year", "год", "сол"),
    },
    "flow_counts": {  # the flow monitoring registry (eoc/flows): DTM/Kobo exports
        "day": ("#date", "date", "day", "survey_date", "дата", "день", "сана", "рӯз"),
        "point_id": (
            "#loc+code",
            "point",
            "point_id",
            "fmp",
            "checkpoint",
            "checkpoint_id",
            "border_point",
            "пункт",
            "пункт_мониторинга",
            "кпп",
            "код_кпп",
            "нуқта",
            "гузаргоҳ",
        ),
        "direction": ("#indicator+direction", "direction", "flow", "направление", "самт"),
        "category": ("#population+type", "category", "group", "категория", "гурӯҳ"),
        "sex": ("#indicator+sex", "sex", "gender", "пол", "ҷинс"),
        "age_band": ("#indicator+age", "age", "age_group", "age_band", "возраст", "синну_сол"),
        "count": (
            "#reached+ind",
            "count",
            "individuals",
            "number",
            "total",
            "количество",
            "число",
            "человек",
            "шумора",
        ),
    },  # fmt: skip
    "hazard_zones": {
        "zone_id": ("#loc+code", "id", "zone_code", "код_зоны"),
        "hazard_type": ("#crisis+type", "hazard", "hazard_type", "опасность", "тип_опасности"),
        "valid_from": ("#date+start", "from", "start", "начало"),
        "valid_to": ("#date+end", "to", "end", "окончание"),
    },
}


def normalise(name: object) -> str:
    """'  Site Name ' -> 'site_name'; '#Geo +Lat' -> '#geo+lat' (case and punctuation blind)."""
    text = str(name).strip().lstrip("\ufeff").casefold()
    if text.startswith("#"):
        return re.sub(r"\s+", "", text)
    text = re.sub(r"[\s\-./()\[\]]+", "_", text)
    return text.strip("_")


@dataclass(frozen=True)
class Tag:
    """An HXL hashtag and its attributes: '#affected +idps +ind'."""

    hashtag: str
    attributes: frozenset[str]

    @classmethod
    def parse(cls, text: object) -> Tag | None:
        raw = normalise(text)
        match = re.fullmatch(r"(#[a-z][a-z0-9_]*)((?:\+[a-z][a-z0-9_]*)*)", raw)
        if not match:
            return None
        return cls(match.group(1), frozenset(a for a in match.group(2).split("+") if a))

    def matches(self, other: Tag) -> bool:
        """Whether `other` (a column's tag) is at least as specific as this (an alias)."""
        return self.hashtag == other.hashtag and self.attributes <= other.attributes


def aliases_for(spec: layers.LayerSpec) -> dict[str, tuple[str, ...]]:
    """Every field of `spec` -> its aliases, the layer's own first."""
    own = ALIASES.get(spec.name, {})
    return {
        f.name: (*own.get(f.name, ()), *COMMON_ALIASES.get(f.name, ()), f"#meta+{f.name}")
        for f in spec.fields
    }


def hxl_tag(spec: layers.LayerSpec, field_name: str) -> str:
    """The HXL tag the export writes for `field_name`."""
    for alias in aliases_for(spec)[field_name]:
        if alias.startswith("#"):
            return alias
    return f"#meta+{field_name}"


def hxl_tag_row(frame: pd.DataFrame) -> dict[str, str] | None:
    """Column -> tag when the frame's first row is a row of HXL tags (as in DTM/HDX files)."""
    if frame.empty:
        return None
    first = frame.iloc[0]
    cells = {col: str(v).strip() for col, v in first.items() if _filled(v)}
    tags = {col: text for col, text in cells.items() if Tag.parse(text)}
    if cells and len(tags) >= max(1, 0.5 * len(cells)) and len(tags) == len(cells):
        return tags
    return None


def _filled(value: object) -> bool:
    if value is None or value is pd.NA:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return bool(str(value).strip())


@dataclass(frozen=True)
class ColumnMapping:
    """How the source's columns become the layer's fields."""

    renames: dict[str, str]  # source column -> field
    lat: str | None = None
    lon: str | None = None
    wkt: str | None = None
    unused: tuple[str, ...] = field(default_factory=tuple)


def parse_map_options(pairs: Sequence[str]) -> dict[str, str]:
    """['Site Name=name', ...] -> {'Site Name': 'name'}."""
    mapping = {}
    for pair in pairs:
        source, sep, target = pair.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise ImportRefusedError(
                _("--map '{pair}': write it as SOURCE_COLUMN=FIELD").format(pair=pair)
            )
        mapping[source.strip()] = target.strip()
    return mapping


def map_columns(
    columns: Sequence[str],
    spec: layers.LayerSpec,
    *,
    explicit: Mapping[str, str] | None = None,
    tags: Mapping[str, str] | None = None,
) -> ColumnMapping:
    """Match `columns` to the fields of `spec` (and to lat/lon/WKT for tables)."""
    explicit = dict(explicit or {})
    tags = dict(tags or {})
    targets = (*spec.field_names, *COORDINATE_TARGETS)
    chosen: dict[str, str] = {}  # target -> column
    for source, target in explicit.items():
        if source not in columns:
            raise ImportRefusedError(
                _("--map: the file has no column '{column}'; its columns are: {columns}").format(
                    column=source, columns=", ".join(map(str, columns))
                )
            )
        if target not in targets:
            raise ImportRefusedError(
                _("--map: layer {layer} has no field '{field}'; its fields are: {fields}").format(
                    layer=spec.name, field=target, fields=", ".join(targets)
                )
            )
        chosen[target] = source
    lookup = {**aliases_for(spec), LAT: LAT_ALIASES, LON: LON_ALIASES, WKT: WKT_ALIASES}
    rest = [c for c in columns if c not in explicit.values() and c not in explicit]
    for rank in (_by_name, _by_alias, _by_tag, _by_truncation):
        found: dict[str, list[str]] = {}
        for column in rest:
            if column in chosen.values():
                continue
            target = rank(column, tags.get(column), lookup)
            if target and target not in chosen:
                found.setdefault(target, []).append(column)
        for target, candidates in found.items():
            if len(candidates) > 1:
                raise ImportRefusedError(
                    _(
                        "columns {columns} all look like field '{field}'; choose one with "
                        "--map COLUMN={field}"
                    ).format(columns=", ".join(f"'{c}'" for c in candidates), field=target)
                )
            chosen[target] = candidates[0]
    renames = {col: target for target, col in chosen.items() if target not in COORDINATE_TARGETS}
    used = set(chosen.values())
    return ColumnMapping(
        renames=renames,
        lat=chosen.get(LAT),
        lon=chosen.get(LON),
        wkt=chosen.get(WKT),
        unused=tuple(c for c in columns if c not in used),
    )


def _by_name(column: str, _tag: str | None, lookup: Mapping[str, tuple[str, ...]]) -> str | None:
    name = normalise(column)
    return name if name in lookup and name not in COORDINATE_TARGETS else None


def _by_alias(column: str, _tag: str | None, lookup: Mapping[str, tuple[str, ...]]) -> str | None:
    name = normalise(column)
    if name.startswith("#"):
        return None
    hits = [target for target, aliases in lookup.items() if name in map(normalise, aliases)]
    return hits[0] if len(hits) == 1 else None


def _by_truncation(
    column: str, _tag: str | None, lookup: Mapping[str, tuple[str, ...]]
) -> str | None:
    """A shapefile cuts field names to 10 characters: 'individual' is 'individuals'."""
    name = normalise(column)
    if len(name) != DBF_NAME_LENGTH:
        return None
    hits = [t for t in lookup if t not in COORDINATE_TARGETS and t.startswith(name)]
    return hits[0] if len(hits) == 1 else None


def _by_tag(column: str, tag: str | None, lookup: Mapping[str, tuple[str, ...]]) -> str | None:
    own = Tag.parse(tag) if tag else Tag.parse(column)
    if own is None:
        return None
    best: tuple[int, str] | None = None
    ambiguous = False
    for target, aliases in lookup.items():
        for alias in aliases:
            wanted = Tag.parse(alias) if alias.startswith("#") else None
            if wanted and wanted.matches(own):
                score = len(wanted.attributes)
                if best is None or score > best[0]:
                    best, ambiguous = (score, target), False
                elif score == best[0] and target != best[1]:
                    ambiguous = True
    return None if best is None or ambiguous else best[1]


# -- values ---------------------------------------------------------------------------------

_TRUE = {"true", "1", "yes", "y", "да", "ҳа", "ха"}
_FALSE = {"false", "0", "no", "n", "нет", "не"}


def tidy_values(frame: pd.DataFrame, spec: layers.LayerSpec) -> pd.DataFrame:
    """A copy with blank cells missing, yes/no words as booleans and allowed values matched.

    'Collective centre' or 'OPEN' become the allowed values 'collective_centre' and 'open';
    'да'/'нет' become true/false. Anything else is left for validation to name.
    """
    out = frame.copy()
    for f in spec.fields:
        if f.name not in out.columns:
            continue
        values = out[f.name].astype(object).map(_blank_to_none)
        if f.type == "bool":
            values = values.map(_as_bool_word)
        elif f.allowed is not None:
            values = values.map(lambda v, allowed=f.allowed: _as_allowed(v, allowed))
        out[f.name] = values
    return out


def _blank_to_none(value: object) -> object:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return None if not _filled(value) else value


def _as_bool_word(value: object) -> object:
    if isinstance(value, str):
        word = value.strip().casefold()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    if isinstance(value, float) and value in (0.0, 1.0):
        return bool(value)
    return value


def _as_allowed(value: object, allowed: tuple[str, ...]) -> object:
    if not isinstance(value, str) or value in allowed:
        return value
    key = normalise(value)
    for option in allowed:
        if normalise(option) == key:
            return option
    return value
