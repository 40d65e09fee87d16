"""Players' actions in a test exercise, through the same code the pages call (with tokens)."""

from __future__ import annotations

from datetime import datetime, timedelta

from eoc.alerts import workflow
from eoc.alerts.compose import new_identifier
from eoc.alerts.model import ALERT_LANGUAGES, Alert, Area, Geocode
from eoc.incident_log import (
    NEW_INCIDENT,
    STATUS_CHANGE,
    IncidentForm,
    change_status,
    log_incident,
    status_state,
)
from eoc.reports.archive import publish_sitrep
from eoc.site_edits import RELOCATION, apply_relocation, plan_state
from eoc.write_tokens import WriteTokens
from tests.alerts.conftest import make_info
from tests.conftest import TEST_SECRET_KEY

TOKENS = WriteTokens(TEST_SECRET_KEY)


def token(store, purpose: str, user: str, state: dict | None = None):
    issued = TOKENS.issue(purpose, user=user, version=store.version(), state=state)
    return TOKENS.read(issued, purpose=purpose, user=user)


def log_quake_incident(store, *, now: datetime) -> str:
    form = IncidentForm(
        "earthquake",
        "critical",
        "Houses down in Rushon after the M7.2",
        300,
        38.0,
        71.9,
        "reported by the Rushon hukumat",
        save_anyway=True,
    )
    return log_incident(
        store, form, token=token(store, NEW_INCIDENT, "duty1"), user="duty1", now=now
    )


def verify_incident(store, incident_id: str, *, now: datetime) -> int:
    state = status_state("incidents", incident_id, "reported")
    return change_status(
        store,
        token(store, STATUS_CHANGE, "duty1", state),
        status="verified",
        reason="confirmed by the road agency",
        user="duty1",
        now=now,
    )


def relocate_from_panji_poyon(store, *, now: datetime) -> int:
    sites = store.read_layer("displacement_sites").set_index("site_id")
    incoming = {"TJ-DS-0023": 60, "TJ-DS-0024": 40}
    before = {site: int(sites.loc[site, "individuals"]) for site in incoming}
    issued = token(store, RELOCATION, "cccm1", plan_state(incoming, before))
    return apply_relocation(store, issued, user="cccm1", reason="Panji Poyon is over-full", now=now)


def publish_report(store, *, now: datetime) -> int:
    return publish_sitrep(
        store, as_of=now, produced_by="EOC duty desk", user="duty1", now=now, lang="en"
    ).number


def issue_alert(store, *, now: datetime) -> str:
    """An alert drafted as Actual by one person, approved and published by another."""
    infos = tuple(
        make_info(lang, onset=now, expires=now + timedelta(hours=12)) for lang in ALERT_LANGUAGES
    )
    alert = Alert(
        identifier=new_identifier(now),
        sender="eoc@coes.tj",
        sent=now,
        status="Actual",
        msg_type="Alert",
        scope="Public",
        infos=infos,
        area=Area(
            "Rushon District",
            ("38.0000,71.5000 38.0000,72.5000 38.5000,72.5000 38.5000,71.5000 38.0000,71.5000",),
            (Geocode("ISO3166-2", "TJ-GB"),),
        ),
    )
    workflow.save_draft(store.sql, alert, by="duty1", now=now)
    workflow.approve_alert(store.sql, alert.identifier, by="admin1", now=now)
    workflow.publish_alert(store.sql, alert.identifier, by="admin1", now=now)
    return alert.identifier
