"""Display tokens for wall screens: shown once, the wall only, one view if bound, revoked at once.

The revoke and the token lookups run on both backends; the wall's drawing on the GeoPackage.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from eoc import displays
from eoc.accounts_cli import WALL_VIEWS
from eoc.cli import main
from eoc.errors import EocError
from eoc.store import displays as table
from eoc.store.displays import token_digest
from eoc.web import create_app, ids
from eoc.web.pages.wall import VIEWS
from tests.conftest import SEED_TIME, settings_for


@pytest.fixture
def app(any_store):
    return create_app(any_store, settings_for(any_store))


def issue(store, view=None) -> tuple[str, str]:
    return displays.issue_display(
        store, "EOC wall 1", view=view, views=VIEWS, by="admin1", now=SEED_TIME, reason="new screen"
    )


def wall_callback(client, output_prefix: str, views: list[str]):
    """POST one of the wall's server callbacks as the kiosk's page would."""
    deps = client.get("/_dash-dependencies").get_json()
    [dep] = [d for d in deps if d["output"].startswith(output_prefix)]
    params = {"views": views, "rotate_s": None, "stale_after_min": 30.0, "now": None}

    def given(items):
        return [{**i, "value": params if i["id"] == ids.WALL_PARAMS else None} for i in items]

    outputs = [
        {"id": o.split(".")[0], "property": o.split(".")[1].split("@")[0]}
        for o in dep["output"].strip(".").split("...")
    ]
    body = {
        "output": dep["output"],
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": given(dep["inputs"]),
        "changedPropIds": [],
        "state": given(dep["state"]),
    }
    return client.post("/_dash-update-component", json=body)


POLL = f"{ids.WALL_VERSION}.data"
PANELS = f"..{ids.WALL_KPIS}.children"


def test_the_store_keeps_only_the_hash_and_audits(any_store):
    display_id, token = issue(any_store)
    [record] = displays.list_displays(any_store)
    assert record.id == display_id and not record.revoked and token not in str(record)
    with any_store.sql.reading() as con:
        rows = con.execute(sa.select(table.displays)).fetchall()
    assert token not in str(rows) and token_digest(token) in str(rows)
    [entry] = any_store.audit_log(limit=1)
    assert (entry.action, entry.user, entry.reason) == ("display_issue", "admin1", "new screen")
    with pytest.raises(EocError, match="not one of"):
        issue(any_store, view="moon")


def test_a_display_draws_the_wall_and_is_blanked_at_once_when_revoked(app, any_store):
    display_id, token = issue(any_store)
    kiosk = app.server.test_client()
    assert kiosk.get(displays.kiosk_url(token, None)).status_code == 200
    assert wall_callback(kiosk, POLL, ["country"]).status_code == 200
    displays.revoke_display(any_store, display_id, by="admin1", now=SEED_TIME, reason="stolen")
    refused = wall_callback(kiosk, POLL, ["country"])
    assert refused.status_code == 403 and refused.headers["X-EOC-Display"] == "revoked"
    assert "revoked" in refused.get_json()["error"]
    page = kiosk.get("/wall")
    assert page.status_code == 403 and "This display was revoked" in page.get_data(as_text=True)
    again = app.server.test_client().get(displays.kiosk_url(token, None))
    assert again.status_code == 403
    assert any_store.audit_log(limit=1)[0].action == "display_revoke"


def test_a_bound_display_shows_only_its_view(gpkg_store):
    app = create_app(gpkg_store, settings_for(gpkg_store))
    _id, token = issue(gpkg_store, view="gbao")
    kiosk = app.server.test_client()
    assert kiosk.get(f"/wall?display={token}&views=khatlon").status_code == 403
    assert kiosk.get(displays.kiosk_url(token, "gbao")).status_code == 200
    assert wall_callback(kiosk, PANELS, ["gbao"]).status_code == 200
    assert wall_callback(kiosk, PANELS, ["khatlon"]).status_code == 403
    assert wall_callback(kiosk, PANELS, ["gbao", "sughd"]).status_code == 403


def test_a_forged_token_opens_nothing(app):
    kiosk = app.server.test_client()
    assert kiosk.get("/wall?display=d_not-a-real-token").status_code == 403
    assert wall_callback(kiosk, POLL, ["country"]).status_code == 403


def test_the_cli_issues_lists_and_revokes(gpkg_store, capsys):
    common = ["--store", str(gpkg_store.path), "--lang", "en"]
    assert main(["displays", "issue", "Wall 2", "--view", "gbao", "--reason", "r", *common]) == 0
    url = capsys.readouterr().out.strip()
    assert url.startswith("/wall?display=d_") and url.endswith("&views=gbao")
    [record] = displays.list_displays(gpkg_store)
    assert displays.display_for(gpkg_store, url.split("=")[1].split("&")[0]) == record
    assert main(["displays", "list", *common]) == 0
    listing = capsys.readouterr().out
    assert record.id in listing and "active" in listing and "d_" not in listing
    assert main(["displays", "revoke", record.id, "--reason", "moved", *common]) == 0
    assert displays.list_displays(gpkg_store)[0].revoked
    assert main(["displays", "revoke", record.id, "--reason", "again", *common]) == 1


def test_the_cli_knows_the_walls_views():
    assert tuple(VIEWS) == WALL_VIEWS
