"""The catalogues keep up with the code: every message has a Tajik and a Russian translation."""

from __future__ import annotations

import pytest

from eoc.i18n import catalogue
from eoc.i18n_catalog import TRANSLATED, extract, missing, spec_messages


@pytest.fixture(scope="module")
def template():
    return extract()


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_in_the_code_is_translated(template, lang):
    assert missing(lang, template) == [], (
        f"untranslated {lang} messages: run 'python -m eoc.i18n_catalog update', "
        f"translate eoc/locale/{lang}/LC_MESSAGES/messages.po (see README)"
    )


def test_a_new_untranslated_message_is_caught(tmp_path):
    (tmp_path / "new_page.py").write_text(
        'from eoc.i18n import _\n\nHEADING = _("A brand new heading nobody translated")\n'
    )
    template = extract([tmp_path])
    assert missing("tg", template) == ["A brand new heading nobody translated"]
    assert missing("ru", template) == ["A brand new heading nobody translated"]


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_layer_spec_label_is_translated(lang):
    translated = catalogue(lang)
    untranslated = sorted(m for m in spec_messages() if not translated.get(m))
    assert untranslated == []
    assert "Collective centre" in spec_messages()  # allowed values are labels too


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_the_placeholders(lang):
    import re

    placeholder = re.compile(r"\{[a-z_]+\}")
    for message, translation in catalogue(lang).items():
        assert sorted(placeholder.findall(translation)) == sorted(placeholder.findall(message))


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_data_grid_texts_are_translated(lang):
    from eoc.i18n import language
    from eoc.web.components.grid_locale import GRID_TEXTS, grid_locale_text

    with language(lang):
        texts = grid_locale_text()
    assert set(texts) == set(GRID_TEXTS)
    same = sorted(key for key, message in GRID_TEXTS.items() if texts[key] == message)
    assert same == [], f"grid texts left in English in {lang}: {same}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_grids_carry_their_texts_in_the_page_language(lang):
    from eoc.i18n import language
    from eoc.web.components.capacity_grid import build_site_grid
    from eoc.web.components.relocation_results import build_result_grid

    with language(lang):
        grids = [build_site_grid("g", editable=False), build_result_grid("r", "flows")]
        contains = catalogue(lang)["Contains"]
    for grid in grids:
        assert grid.dashGridOptions["localeText"]["contains"] == contains


@pytest.mark.parametrize("lang", TRANSLATED)
def test_chart_labels_are_translated_and_numbers_grouped_the_local_way(lang):
    import pandas as pd

    from eoc.i18n import language
    from eoc.web.components.project_chart import build_project_chart

    totals = pd.DataFrame({"region": ["TJ-GB"], "projects": [3], "beneficiaries": [9470]})
    with language(lang):
        figure = build_project_chart(
            totals, by="region", title="t", labels={"TJ-GB": "Вилояти Мухтори Кӯҳистони Бадахшон"}
        )
        projects = catalogue(lang)["Projects"]
    assert figure.layout.separators[1] in ("\xa0", "\u202f", " ")  # "9 470", not "9,470"
    assert figure.data[1].text[0].replace("\u202f", "\xa0") == "9\xa0470"
    assert (
        projects in figure.data[0].hovertemplate and "projects" not in figure.data[0].hovertemplate
    )
    assert figure.layout.xaxis.title.text == projects
