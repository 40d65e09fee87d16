"""The messaging library: seeded, edited (versioned, audited), SMS lengths, CSV export."""

import csv
import io
import shutil

import pytest

from eoc.alerts import library as lib
from eoc.alerts.model import AlertError
from eoc.config import DEFAULT_SEED_DIR
from eoc.errors import ConflictError
from eoc.store import GeoPackageStore
from tests.alerts.conftest import NOW


@pytest.fixture
def store(seed_store, tmp_path):
    copy = GeoPackageStore(tmp_path / "library.gpkg")
    shutil.copyfile(seed_store.path, copy.path)
    return copy


def test_seed_covers_every_hazard_in_three_languages(store):
    messages = lib.current_messages(store.sql)
    assert {m.hazard for m in messages} == set(lib.HAZARDS)
    assert {m.audience for m in messages} == set(lib.AUDIENCES)
    for hazard in lib.HAZARDS:
        assert {m.lang for m in messages if m.hazard == hazard} == {"tg", "ru", "en"}
    assert all(m.sms.parts <= lib.SMS_MAX_PARTS for m in messages)


def test_seed_sources_are_listed_in_sources_md():
    sources = {r[5] for r in lib.read_seed_messages(DEFAULT_SEED_DIR / "key_messages.csv")}
    text = (DEFAULT_SEED_DIR / "SOURCES.md").read_text(encoding="utf-8")
    for source in sources:
        assert f"`{source}`" in text


def test_an_edit_is_a_new_version_and_audited(store):
    before = lib.find_message(lib.current_messages(store.sql), "flood", "warning", "public", "ru")
    edited = lib.edit_message(
        store.sql, "flood", "warning", "public", "ru", "Поднимитесь выше.", by="duty1", now=NOW,
        expected_version=before.version,
    )  # fmt: skip
    assert (edited.version, edited.text, edited.edited_by) == (
        before.version + 1,
        "Поднимитесь выше.",
        "duty1",
    )
    history = lib.message_history(store.sql, "flood", "warning", "public", "ru")
    assert [m.text for m in history] == ["Поднимитесь выше.", before.text]
    (entry,) = store.audit_log(layer="key_messages", feature_id="flood/warning/public/ru")
    assert entry.user == "duty1" and entry.new["version"] == before.version + 1


def test_an_edit_over_someone_elses_is_refused(store):
    lib.edit_message(store.sql, "flood", "warning", "public", "en", "v2", by="duty1", now=NOW,
                     expected_version=1)  # fmt: skip
    with pytest.raises(ConflictError):
        lib.edit_message(store.sql, "flood", "warning", "public", "en", "v2b", by="duty2",
                         now=NOW, expected_version=1)  # fmt: skip


def test_text_over_the_sms_channel_is_refused_naming_the_field(store):
    with pytest.raises(AlertError) as caught:
        lib.edit_message(store.sql, "flood", "warning", "public", "tg", "ҳ" * 202, by="duty1",
                         now=NOW, expected_version=1)  # fmt: skip
    assert caught.value.field == "text"
    assert "4 SMS parts" in str(caught.value)


def test_csv_export_has_sms_lengths(store):
    rows = list(csv.DictReader(io.StringIO(lib.export_csv(lib.current_messages(store.sql)))))
    row = next(r for r in rows if (r["hazard"], r["phase"], r["audience"], r["lang"])
               == ("earthquake", "during", "public", "ru"))  # fmt: skip
    assert row["encoding"] == "UCS-2"
    assert int(row["units"]) == len(row["text"])
    assert int(row["parts"]) == -(-len(row["text"]) // 67)
    english = next(r for r in rows if r["lang"] == "en")
    assert english["encoding"] == "GSM-7"
