"""Keep the translation catalogues in step with the code.

    python -m eoc.i18n_catalog update   # extract messages, update messages.pot and every .po
    python -m eoc.i18n_catalog check    # list messages without a Tajik or Russian translation

Messages are what the code passes to `_()`/`gettext()` or marks with `N_()`, plus the labels the
layer specs show: layer titles, item names, field labels and allowed-value labels.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

import layers
from eoc.config import PROJECT_DIR
from eoc.i18n import LANGUAGES, LOCALE_DIR

SOURCE_DIRS = ("eoc", "layers")
KEYWORDS = {"_": None, "N_": None, "gettext": None}
TEMPLATE = LOCALE_DIR / "messages.pot"
TRANSLATED = tuple(lang for lang in LANGUAGES if lang != "en")


def spec_messages() -> set[str]:
    """Every label the layer specs put on screen."""
    found: set[str] = set()
    for spec in layers.REGISTRY.values():
        found.update({spec.title, spec.item_label})
        for field in spec.fields:
            if field.labelled:
                found.add(field.title)
            if not field.codes:
                found.update(field.value_label(value) for value in field.allowed or ())
    return found


def extract(source_dirs: Iterable[Path] | None = None) -> Catalog:
    """The template catalogue: messages in the code plus the layer-spec labels."""
    dirs = list(source_dirs) if source_dirs is not None else [PROJECT_DIR / d for d in SOURCE_DIRS]
    template = Catalog(project="eoc-tajikistan", fuzzy=False)
    for directory in dirs:
        for filename, lineno, message, _comments, _context in extract_from_dir(
            directory, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            if isinstance(message, str) and message:
                location = (f"{Path(directory).name}/{filename}", lineno)
                template.add(message, locations=[location])
    for message in sorted(spec_messages()):
        template.add(message, locations=[("layers/specs", 0)])
    return template


def _po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"


def read_catalogue(lang: str) -> Catalog:
    path = _po_path(lang)
    if not path.is_file():
        return Catalog(locale=lang, project="eoc-tajikistan", fuzzy=False)
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def write_catalogue(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True, omit_header=False)


def update() -> None:
    """Write messages.pot and merge it into each language's .po (translations kept)."""
    template = extract()
    write_catalogue(template, TEMPLATE)
    for lang in TRANSLATED:
        catalog = read_catalogue(lang)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        write_catalogue(catalog, _po_path(lang))


def missing(lang: str, template: Catalog | None = None) -> list[str]:
    """Messages of the code that `lang` does not translate (or only fuzzily)."""
    template = template if template is not None else extract()
    catalog = read_catalogue(lang)
    gaps = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id)
        if found is None or not found.string or found.fuzzy:
            gaps.append(str(message.id))
    return sorted(gaps)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "update":
        update()
        print(f"updated {TEMPLATE} and {', '.join(TRANSLATED)} catalogues")
    template = extract()
    failed = 0
    for lang in TRANSLATED:
        gaps = missing(lang, template)
        failed += len(gaps)
        print(f"{lang}: {len(template) - len(gaps)}/{len(template)} messages translated")
        for gap in gaps:
            print(f"  untranslated: {gap!r}")
    return 1 if failed and command == "check" else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
