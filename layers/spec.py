"""The vocabulary of a layer: its fields, style and publication rules."""

from __future__ import annotations

from dataclasses import dataclass, field


def N_(message: str) -> str:
    """Mark `message` for translation; it is translated where it is shown (eoc.i18n)."""
    return message


FIELD_TYPES = ("str", "int", "float", "bool", "date", "datetime")
GEOMETRY_TYPES = ("Point", "LineString", "Polygon")

# Every text field has a length limit and every number a range, so that no value (a pasted
# 100 KB log, people_affected=1e30) can reach the store, a page or a report unchecked.
# A name, a code or a place: longer than this is a paste error.
DEFAULT_MAX_LENGTH = 200
# Free text a person writes (a description, notes): a few paragraphs.
LONG_TEXT_LENGTH = 2000
# Counts of people: twice Tajikistan's population (~10.3 million, 2024); more is a typo.
MAX_PEOPLE = 20_000_000
# Any other whole number (OpenStreetMap ids pass 10^10) is exact in a browser (2^53) and fits
# the stores' 64-bit integers; any other real number is finite and far from where JSON breaks.
INT_RANGE = (-(2**53) + 1, 2**53 - 1)
FLOAT_RANGE = (-1e15, 1e15)


@dataclass(frozen=True)
class Field:
    """One attribute of a layer."""

    name: str
    type: str = "str"
    label: str = ""
    required: bool = False
    allowed: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None
    unique: bool = False
    public: bool = False
    codes: bool = False  # allowed values are codes (TJ-GB, AFG) shown as they are
    max_length: int | None = None  # text fields: DEFAULT_MAX_LENGTH unless set

    @property
    def labelled(self) -> bool:
        return bool(self.label)

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"field {self.name}: unknown type {self.type!r}")
        if self.max_length is not None and (self.type != "str" or self.max_length < 1):
            raise ValueError(f"field {self.name}: max_length is for text fields, at least 1")

    @property
    def length_limit(self) -> int | None:
        """The most characters a value of this text field may have (None: not text)."""
        if self.type != "str":
            return None
        return self.max_length or DEFAULT_MAX_LENGTH

    @property
    def lowest(self) -> float | None:
        """The smallest value a number field accepts: `min`, else the type's range."""
        if self.min is not None:
            return self.min
        return {"int": INT_RANGE[0], "float": FLOAT_RANGE[0]}.get(self.type)

    @property
    def highest(self) -> float | None:
        """The largest value a number field accepts: `max`, else the type's range."""
        if self.max is not None:
            return self.max
        return {"int": INT_RANGE[1], "float": FLOAT_RANGE[1]}.get(self.type)

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def value_label(self, value: object) -> str:
        """The English label of an allowed value ('collective_centre' -> 'Collective centre')."""
        if self.codes:
            return str(value)
        return str(value).replace("_", " ").capitalize()


@dataclass(frozen=True)
class Style:
    """How a layer is drawn: one colour per category of `color_by`, else `color`."""

    color: str = "#1f77b4"
    color_by: str | None = None
    colors: dict[str, str] = field(default_factory=dict)
    marker_size: int = 10
    line_width: float = 1.5
    fill_opacity: float = 0.35

    def color_of(self, value: object) -> str:
        return self.colors.get(str(value), self.color)


@dataclass(frozen=True)
class LayerSpec:
    """Schema, style and publication rules of one layer kind."""

    name: str
    title: str
    geometry: str
    id_field: str
    fields: tuple[Field, ...]
    seed_file: str
    item_label: str = "feature"
    kind: str = "operational"  # "operational" layers are edited; "context" layers are reference
    style: Style = field(default_factory=Style)
    tooltip: tuple[str, ...] = ()
    sensitive: bool = False  # the whole layer never reaches a public page
    sensitive_field: str | None = None  # rows where this boolean is true never reach one
    sensitive_when: tuple[str, str] | None = None  # (field, value): such rows must be sensitive

    def __post_init__(self) -> None:
        if self.geometry not in GEOMETRY_TYPES:
            raise ValueError(f"layer {self.name}: unknown geometry {self.geometry!r}")
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"layer {self.name}: duplicate field names")
        for name in (self.id_field, *self.tooltip, self.style.color_by, self.sensitive_field):
            if name is not None and name not in names:
                raise ValueError(f"layer {self.name}: {name!r} is not one of its fields")

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def public_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.public)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"layer {self.name} has no field {name!r}")
