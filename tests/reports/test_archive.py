"""The report archive in the store: numbered in order, immutable, kept across a rebuild."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime

import pytest

from eoc.config import DEFAULT_SEED_DIR
from eoc.errors import EocError
from eoc.reports.archive import publish_sitrep
from eoc.store import GeoPackageStore
from eoc.store.seed import build_from_seed

NOW = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)


@pytest.fixture
def store(seed_store, tmp_path) -> GeoPackageStore:
    copy = GeoPackageStore(tmp_path / "a.gpkg")
    shutil.copyfile(seed_store.path, copy.path)
    return copy


def publish(store, **kwargs):
    return publish_sitrep(
        store, as_of=NOW, produced_by="EOC", user="duty1", now=NOW, lang="en", **kwargs
    )


def test_reports_get_the_next_number_and_their_data_version(store):
    assert store.list_reports() == [] and store.next_report_number() == 1
    data_version = store.version()
    first = publish(store)
    second = publish_sitrep(
        store,
        as_of=NOW,
        produced_by="EOC",
        user="duty1",
        now=NOW,
        lang="ru",
        event_id="INC-20261121-003",
    )
    assert (first.number, second.number) == (1, 2)
    assert first.data_version == data_version
    listed = store.list_reports()
    assert [r["number"] for r in listed] == [2, 1]
    assert listed[0]["lang"] == "ru" and listed[1]["version"] == data_version
    assert "Situation report No. 1" in store.report_content(1, "html")
    assert store.report_content(1, "md").startswith("# Situation report No. 1")
    assert store.report_content(1, "pdf")[:4] == b"%PDF"
    assert store.report_content(3, "pdf") is None
    entry = store.audit_log(user="duty1")[0]
    assert entry.action == "report_publish" and entry.feature_id == "2"


def test_published_reports_cannot_be_changed_or_deleted(store):
    publish(store)
    with sqlite3.connect(store.path) as con:
        for sql in ("UPDATE eoc_reports SET title = 'x'", "DELETE FROM eoc_reports"):
            with pytest.raises(sqlite3.DatabaseError, match="published reports cannot"):
                con.execute(sql)


def test_a_number_taken_meanwhile_is_refused(store):
    publish(store)
    with pytest.raises(EocError, match="no longer the next one"):
        store.add_report(
            number=1, lang="en", version=1, as_of=NOW, title="t", html="", markdown="",
            pdf=b"", user="x", now=NOW,
        )  # fmt: skip


def test_a_rebuild_from_the_seed_keeps_the_archive(store):
    publish(store)
    build_from_seed(store, DEFAULT_SEED_DIR, now=NOW)
    assert [r["number"] for r in store.list_reports()] == [1]
    assert store.next_report_number() == 2
