"""The registry's fields and the words for their values in English, Russian and Tajik.

A DTM/Kobo export writes its choices as labels ("Refugees", "Беженцы", "Въезд") or as codes
("refugees", "in"); both become the codes kept in the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import layers
from eoc.i18n import N_
from eoc.io.columns import normalise

DIRECTIONS = ("in", "out")
CATEGORIES = ("refugees", "returning_migrants", "other")
SEXES = ("female", "male", "unknown")
AGE_BANDS = ("0-4", "5-17", "18-59", "60+", "unknown")
MAX_DAILY_COUNT = 1_000_000  # one point, one day, one group: anything more is a typing error
POINT_ID_MAX_LENGTH = 80

LABELS = {
    "in": N_("in (arrivals)"),
    "out": N_("out (departures)"),
    "refugees": N_("Refugees"),
    "returning_migrants": N_("Returning migrants"),
    "other": N_("Other travellers"),
    "female": N_("Female"),
    "male": N_("Male"),
    "unknown": N_("Unknown"),
}

# Labels as DTM/Kobo forms write them, by code (compared case- and punctuation-blind).
VALUE_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "direction": {
        "in": (
            "in",
            "arrival",
            "arrivals",
            "entry",
            "incoming",
            "въезд",
            "прибытие",
            "вход",
            "ворид",
            "вуруд",
            "омадан",
        ),
        "out": (
            "out",
            "departure",
            "departures",
            "exit",
            "outgoing",
            "выезд",
            "убытие",
            "выход",
            "хуруҷ",
            "рафтан",
        ),
    },
    "category": {
        "refugees": (
            "refugees",
            "refugee",
            "asylum_seekers",
            "беженцы",
            "беженец",
            "гурезаҳо",
            "гуреза",
        ),
        "returning_migrants": (
            "returning_migrants",
            "returnees",
            "returning_migrant",
            "returnee",
            "migrants_returning",
            "возвращающиеся_мигранты",
            "мигранты_возвращающиеся",
            "муҳоҷирони_баргашта",
        ),
        "other": ("other", "others", "другие", "прочие", "дигар", "дигарон"),
    },
    "sex": {
        "female": (
            "female",
            "f",
            "women",
            "woman",
            "ж",
            "жен",
            "женский",
            "женщины",
            "зан",
            "занон",
        ),
        "male": ("male", "m", "men", "man", "м", "муж", "мужской", "мужчины", "мард", "мардон"),
        "unknown": ("unknown", "u", "not_known", "неизвестно", "номаълум"),
    },
    "age_band": {
        "0-4": ("0-4", "0_4", "under_5", "04"),
        "5-17": ("5-17", "5_17"),
        "18-59": ("18-59", "18_59"),
        "60+": ("60+", "60", "60_plus", "60_and_over", "60_и_старше"),
        "unknown": ("unknown", "неизвестно", "номаълум"),
    },
}

# The registry's columns as a layer-like spec, so that the import's column matching
# (eoc/io/columns.py: names, Russian aliases, HXL tags) is the one the layers use.
SPEC = layers.LayerSpec(
    name="flow_counts",
    title=N_("Flow monitoring counts"),
    geometry="Point",
    id_field="point_id",
    fields=(
        layers.Field("day", "date", label=N_("Day"), required=True),
        layers.Field(
            "point_id",
            label=N_("Flow monitoring point"),
            required=True,
            max_length=POINT_ID_MAX_LENGTH,
        ),
        layers.Field("direction", label=N_("Direction"), required=True, allowed=DIRECTIONS),
        layers.Field("category", label=N_("Category"), required=True, allowed=CATEGORIES),
        layers.Field("sex", label=N_("Sex"), allowed=SEXES),
        layers.Field("age_band", label=N_("Age band"), allowed=AGE_BANDS),
        layers.Field("count", "int", label=N_("Count"), required=True, min=0, max=MAX_DAILY_COUNT),
    ),
    seed_file="flow_counts.csv",
    item_label=N_("row"),
)
FIELDS = SPEC.field_names


def code_for(field: str, value: object) -> str | None:
    """The code a label stands for ('Беженцы' -> 'refugees'), None if it is not one."""
    key = normalise(value)
    for code, words in VALUE_WORDS[field].items():
        if key == normalise(code) or key in (normalise(w) for w in words):
            return code
    return None


@dataclass(frozen=True)
class FlowCount:
    """One checked count: what a row of the registry holds."""

    day: date
    point_id: str
    direction: str
    category: str
    sex: str
    age_band: str
    count: int

    @property
    def key(self) -> tuple[object, ...]:
        return (self.day, self.point_id, self.direction, self.category, self.sex, self.age_band)

    @property
    def label(self) -> str:
        """'TJ-BCP-01 2024-05-01 in refugees female 18-59': how the audit log names it."""
        return " ".join(str(part) for part in self.key)


# -- checking one row -------------------------------------------------------------------------

Finding = tuple[str, str, dict[str, object]]  # field, English template, its values


def check_row(record: dict[str, object]) -> tuple[FlowCount | None, list[Finding]]:
    """A row's values as a FlowCount, or what is wrong with each field (templates to translate).

    A blank sex or age band is "unknown" (a total not broken down), as DTM registries write it.
    """
    found: list[Finding] = []
    day = _day(record.get("day"), found)
    point = _blank(record.get("point_id"))
    if point is None:
        found.append(("point_id", N_("is empty; name the point (a checkpoint id or a place)"), {}))
    elif len(point) > POINT_ID_MAX_LENGTH:
        found.append(
            ("point_id", N_("is longer than {limit} characters"), {"limit": POINT_ID_MAX_LENGTH})
        )
    codes = {}
    for name, default in (("direction", None), ("category", None), ("sex", "unknown"),
                          ("age_band", "unknown")):  # fmt: skip
        raw = _blank(record.get(name))
        if raw is None:
            if default is None:
                found.append((name, N_("is empty"), {}))
            codes[name] = default
            continue
        codes[name] = code_for(name, raw)
        if codes[name] is None:
            found.append(
                (name, N_("'{value}' is not one of: {allowed}"),
                 {"value": raw[:40], "allowed": ", ".join(VALUE_WORDS[name])})
            )  # fmt: skip
    count = _count(record.get("count"), found)
    if found:
        return None, found
    return FlowCount(day, point, codes["direction"], codes["category"], codes["sex"],
                     codes["age_band"], count), []  # fmt: skip


def _blank(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    text = str(value).strip()
    return text or None


def _day(value: object, found: list[Finding]) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _blank(value)
    if text is None:
        found.append(("day", N_("is empty"), {}))
        return None
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    found.append(
        ("day", N_("'{value}' is not a date (write 2024-05-01 or 01.05.2024)"),
         {"value": text[:40]})
    )  # fmt: skip
    return None


def _count(value: object, found: list[Finding]) -> int | None:
    text = _blank(value)
    if text is None:
        found.append(("count", N_("is empty"), {}))
        return None
    try:
        number = float(text.replace("\u00a0", "").replace(" ", ""))
    except ValueError:
        number = float("nan")
    if number != number or number != int(number):
        found.append(("count", N_("'{value}' is not a whole number"), {"value": text[:40]}))
        return None
    if not 0 <= number <= MAX_DAILY_COUNT:
        found.append(
            ("count", N_("{value} is outside 0 to {limit}"),
             {"value": int(number), "limit": MAX_DAILY_COUNT})
        )  # fmt: skip
        return None
    return int(number)
