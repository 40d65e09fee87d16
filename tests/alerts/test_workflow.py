"""Two people: draft, approve (not by the drafter), publish; published alerts are immutable;
an Update/Cancel chain replaces what it references. On both store backends."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa

from eoc.alerts import workflow as wf
from eoc.alerts.cap_xml import schema_problems
from eoc.alerts.model import AlertError
from eoc.store import GeoPackageStore
from eoc.store.alert_tables import alerts as alerts_table
from tests.alerts.conftest import NOW
from tests.conftest import SEED_TIME, pg_schema_url


@pytest.fixture(params=["geopackage", "postgis"])
def store(request, seed_store, tmp_path, seed_frames):
    if request.param == "geopackage":
        copy = GeoPackageStore(tmp_path / "alerts.gpkg")
        shutil.copyfile(seed_store.path, copy.path)
        return copy
    from eoc.store.postgis import PostGISStore

    database = request.getfixturevalue("pg_database")
    built = PostGISStore(pg_schema_url(database, "t"))
    built.replace_all(seed_frames, now=SEED_TIME)
    return built


def test_draft_approve_publish_is_audited(store, earthquake_alert):
    before = store.version()
    row = wf.save_draft(store.sql, earthquake_alert, by="duty1", now=NOW, source="test")
    assert row.state == wf.DRAFT
    wf.approve_alert(store.sql, row.alert_id, by="duty2", now=NOW)
    published = wf.publish_alert(store.sql, row.alert_id, by="duty2", now=NOW)
    assert (published.state, published.approved_by, published.drafted_by) == (
        "published",
        "duty2",
        "duty1",
    )
    assert published.alert == earthquake_alert
    assert schema_problems(published.cap_xml) == []
    assert store.version() == before + 3
    actions = [e.action for e in store.audit_log(layer="alerts", feature_id=row.alert_id)]
    assert sorted(actions) == ["alert_approve", "alert_draft", "alert_publish"]


def test_nobody_approves_their_own_draft(store, earthquake_alert):
    row = wf.save_draft(store.sql, earthquake_alert, by="chief", now=NOW)
    with pytest.raises(wf.AlertStateError, match="different duty officer"):
        wf.approve_alert(store.sql, row.alert_id, by="chief", now=NOW)
    assert wf.get_alert(store.sql, row.alert_id).state == wf.DRAFT


def test_publish_needs_approval_and_a_published_alert_cannot_change(store, earthquake_alert):
    row = wf.save_draft(store.sql, earthquake_alert, by="duty1", now=NOW)
    with pytest.raises(wf.AlertStateError, match="not approved"):
        wf.publish_alert(store.sql, row.alert_id, by="duty2", now=NOW)
    wf.approve_alert(store.sql, row.alert_id, by="duty2", now=NOW)
    wf.publish_alert(store.sql, row.alert_id, by="duty2", now=NOW)
    with pytest.raises(wf.AlertStateError):
        wf.approve_alert(store.sql, row.alert_id, by="duty3", now=NOW)
    with pytest.raises(wf.AlertStateError):
        wf.publish_alert(store.sql, row.alert_id, by="duty3", now=NOW)
    with pytest.raises(wf.AlertStateError, match="published and cannot be changed"):
        wf.refuse_change(store.sql, row.alert_id)
    assert wf.get_alert(store.sql, row.alert_id).published_by == "duty2"


def test_an_expired_draft_cannot_be_approved(store, earthquake_alert):
    row = wf.save_draft(store.sql, earthquake_alert, by="duty1", now=NOW)
    with pytest.raises(AlertError) as caught:
        wf.approve_alert(store.sql, row.alert_id, by="duty2", now=NOW + timedelta(days=2))
    assert caught.value.field == "info[tg].expires"


def test_a_bad_draft_is_refused_and_nothing_is_stored(store, earthquake_alert):
    before = store.version()
    with pytest.raises(AlertError):
        wf.save_draft(store.sql, replace(earthquake_alert, infos=()), by="duty1", now=NOW)
    assert store.version() == before
    with store.sql.reading() as con:
        found = con.execute(
            sa.select(alerts_table.c.alert_id).where(
                alerts_table.c.alert_id == earthquake_alert.identifier
            )
        ).first()
    assert found is None


def _issue(store, alert):
    wf.save_draft(store.sql, alert, by="duty1", now=NOW)
    wf.approve_alert(store.sql, alert.identifier, by="duty2", now=NOW)
    return wf.publish_alert(store.sql, alert.identifier, by="duty2", now=NOW)


def test_update_then_cancel_chain_replaces_what_it_references(store, earthquake_alert):
    first = _issue(store, earthquake_alert)
    update = replace(
        earthquake_alert,
        identifier=earthquake_alert.identifier + ".u",
        msg_type="Update",
        references=(first.alert.reference,),
    )
    _issue(store, update)
    now_ids = [r.alert_id for r in wf.current_alerts(store.sql, now=NOW, scope="Public")]
    assert update.identifier in now_ids and first.alert_id not in now_ids
    cancel = replace(
        update,
        identifier=earthquake_alert.identifier + ".c",
        msg_type="Cancel",
        references=(first.alert.reference, update.reference),
    )
    _issue(store, cancel)
    now_ids = [r.alert_id for r in wf.current_alerts(store.sql, now=NOW, scope="Public")]
    assert cancel.identifier in now_ids
    assert update.identifier not in now_ids and first.alert_id not in now_ids


def test_fresh_store_holds_the_seed_alerts(seed_store):
    rows = wf.list_alerts(seed_store.sql, states=(wf.PUBLISHED,))
    scopes = sorted(r.scope for r in rows if r.alert_id.endswith(("seed01", "seed02")))
    assert scopes == ["Public", "Restricted"]
    for r in rows:
        assert schema_problems(r.cap_xml) == []


def test_the_database_itself_refuses_to_change_a_published_alert(store, earthquake_alert):
    _issue(store, earthquake_alert)
    table = alerts_table
    for statement in (
        sa.update(table).where(table.c.alert_id == earthquake_alert.identifier)
        .values(scope="Restricted"),
        sa.delete(table).where(table.c.alert_id == earthquake_alert.identifier),
    ):  # fmt: skip
        refused = pytest.raises(sa.exc.DBAPIError, match="published alerts cannot be")
        with refused, store.sql.transaction() as con:
            con.execute(statement)
    assert wf.get_alert(store.sql, earthquake_alert.identifier).scope == "Public"
    # A draft is still the workflow's to change.
    draft = replace(earthquake_alert, identifier=earthquake_alert.identifier + ".d")
    wf.save_draft(store.sql, draft, by="duty1", now=NOW)
    with store.sql.transaction() as con:
        con.execute(sa.delete(table).where(table.c.alert_id == draft.identifier))


def test_a_postgis_store_built_from_the_seed_holds_the_seed_alerts(pg_database):
    from eoc.config import DEFAULT_SEED_DIR
    from eoc.io.raster import grid_folder
    from eoc.store.postgis import PostGISStore
    from eoc.store.seed import build_from_seed

    built = PostGISStore(pg_schema_url(pg_database, "t"))
    try:
        build_from_seed(built, DEFAULT_SEED_DIR, now=SEED_TIME)
        rows = wf.current_alerts(built.sql, now=SEED_TIME)
    finally:
        shutil.rmtree(grid_folder(built), ignore_errors=True)  # the seed's grid file copy
    assert sorted(r.scope for r in rows) == ["Public", "Restricted"]
    assert all(schema_problems(r.cap_xml) == [] for r in rows)
