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
