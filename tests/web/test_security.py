"""Server-side access control: the permission table, the callback gate, the page gate."""

from __future__ import annotations

import itertools

import pytest

import layers
from eoc.displays import issue_display
from eoc.permissions import LAYER_EDIT_ACTIONS, PERMISSIONS, Action, Role, is_allowed, may_import
from eoc.web import create_app
from eoc.web.pages import admin_users, audit, capacity, data_io, operations, public, relocation
from eoc.web.pages.wall import VIEWS
from eoc.web.security import CALLBACK_ACTIONS_KEY, ROUTER_OUTPUTS
from tests.conftest import SEED_TIME, STAFF, STAFF_PASSWORD, settings_for, signed_in

ROLES = [None, *STAFF]  # None = anonymous
# The principals the table is pinned for: the roles, and a wall screen's display token.
PRINCIPALS = [*ROLES, "display"]
# The permission table, pinned: changing who may do what must change this test too.
EXPECTED = {
    Action.VIEW_PUBLIC: {None, "admin", "duty_officer", "cccm", "viewer", "display"},
    Action.VIEW_INTERNAL: {"admin", "duty_officer", "cccm", "viewer"},
    Action.VIEW_WALL: {"admin", "duty_officer", "cccm", "viewer", "display"},
    Action.EDIT_INCIDENTS: {"admin", "duty_officer"},
    Action.EDIT_SITES: {"admin", "cccm"},
    Action.IMPORT_DATA: {"admin", "duty_officer", "cccm"},
    Action.PUBLISH_REPORTS: {"admin", "duty_officer"},
    Action.VIEW_AUDIT: {"admin"},
    Action.MANAGE_USERS: {"admin"},
    Action.EDIT_CONTEXT: {"admin"},
    Action.CHANGE_PROTECTION: {"admin"},
    Action.DRAFT_ALERTS: {"admin", "duty_officer"},
    Action.APPROVE_ALERTS: {"admin", "duty_officer"},
    Action.ENTER_FLOWS: {"admin", "duty_officer"},
    Action.RUN_EXERCISE: {"admin"},
}
# Who may import into which layer, pinned likewise (the screens' edit rights, no more).
EXPECTED_IMPORTS = {
    "displacement_sites": {"admin", "cccm"},
    "incidents": {"admin", "duty_officer"},
    "border_checkpoints": {"admin", "duty_officer"},
    "hazard_zones": {"admin", "duty_officer"},
    "infrastructure_projects": {"admin"},
    "regions": {"admin"},
    "districts": {"admin"},
    "rivers": {"admin"},
}


@pytest.fixture(scope="module")
def app(each_staff_store):
    return create_app(each_staff_store, settings_for(each_staff_store))


def client_as(app, role: str | None):
    client = app.server.test_client()
    if role == "display":
        # A wall screen: no user, only a display token from its kiosk URL.
        _id, token = issue_display(
            app.server.config["EOC_STORE"],
            "matrix wall",
            view=None,
            views=list(VIEWS),
            by="admin1",
            now=SEED_TIME,
            reason="security matrix",
        )
        assert client.get(f"/wall?display={token}").status_code == 200
        return client
    if role is not None:
        response = client.post(
            "/login", data={"username": STAFF[role], "password": STAFF_PASSWORD, "next": "/"}
        )
        assert response.status_code == 302, f"sign-in as {role} failed"
    return client


@pytest.mark.parametrize(("action", "role"), itertools.product(Action, PRINCIPALS))
def test_the_permission_table(action, role):
    assert is_allowed(role, action) is (role in EXPECTED[action])


@pytest.mark.parametrize(("layer", "role"), itertools.product(EXPECTED_IMPORTS, ROLES))
def test_the_import_rights_per_layer(layer, role):
    assert may_import(role, layer) is (role in EXPECTED_IMPORTS[layer])


def test_every_layer_with_an_edit_right_is_in_the_registry():
    assert set(LAYER_EDIT_ACTIONS) <= set(layers.REGISTRY)


def test_every_action_is_in_the_table():
    assert set(PERMISSIONS) == set(Action) == set(EXPECTED)


def test_unknown_roles_and_actions_are_refused():
    assert not is_allowed("superuser", Action.VIEW_PUBLIC)
    assert not is_allowed(Role.ADMIN, "launch_missiles")


def _initial_values(app) -> dict[str, object]:
    """id.property -> the value each page's layout starts with (as an admin sees it)."""
    values: dict[str, object] = {}

    def walk(component):
        if isinstance(component, list | tuple):
            for child in component:
                walk(child)
            return
        if not hasattr(component, "to_plotly_json"):
            return
        props = component.to_plotly_json()["props"]
        if "id" in props:
            for name, value in props.items():
                values[f"{props['id']}.{name}"] = value
        walk(props.get("children"))

    with signed_in(app, "admin"):
        walk(operations.layout())
        walk(public.layout())
        walk(audit.layout())
        walk(capacity.layout())
        walk(relocation.layout())
        walk(data_io.layout())
        walk(admin_users.layout())
    return values


def _callback_bodies(app) -> list[tuple[str, dict]]:
    deps = app.server.test_client().get("/_dash-dependencies").get_json()
    values = _initial_values(app)
    bodies = []
    for dep in deps:
        if dep.get("clientside_function") or dep["output"] in ROUTER_OUTPUTS:
            continue

        def given(items):
            return [
                {
                    "id": i["id"],
                    "property": i["property"],
                    "value": values.get(f"{i['id']}.{i['property']}"),
                }
                for i in items
            ]

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
        bodies.append((dep["output"], body))
    return bodies


def test_every_callback_has_a_registered_permission(app):
    actions = app.server.config[CALLBACK_ACTIONS_KEY]
    outputs = [output for output, _ in _callback_bodies(app)]
    assert outputs, "no callbacks found"
    assert set(outputs) <= set(actions)


@pytest.mark.parametrize("role", PRINCIPALS)
def test_every_callback_is_refused_or_served_as_the_table_says(app, each_staff_store, role):
    client = client_as(app, role)
    version = each_staff_store.version()
    actions = app.server.config[CALLBACK_ACTIONS_KEY]
    for output, body in _callback_bodies(app):
        response = client.post("/_dash-update-component", json=body)
        if is_allowed(role, actions[output]):
            # 204: the callback ran and chose to change nothing (no button pressed).
            assert response.status_code in (200, 204), (output, role, response.get_data()[:300])
        else:
            assert response.status_code == 403, (output, role)
            assert b"refused" in response.get_data()
    assert each_staff_store.version() == version


def test_an_unregistered_callback_is_refused(app):
    body = {
        "output": "secret-thing.children",
        "outputs": {"id": "secret-thing", "property": "children"},
        "inputs": [],
        "changedPropIds": [],
        "state": [],
    }
    response = client_as(app, "admin").post("/_dash-update-component", json=body)
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["/", "/admin/audit", "/capacity?x=1"])
def test_anonymous_page_requests_redirect_to_sign_in(app, path):
    response = app.server.test_client().get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/")


@pytest.mark.parametrize("path", ["/public", "/login", "/healthz", "/_dash-layout"])
def test_public_paths_need_no_sign_in(app, path):
    assert app.server.test_client().get(path).status_code == 200


def test_a_signed_in_viewer_gets_the_internal_page(app):
    assert client_as(app, "viewer").get("/").status_code == 200


def test_the_navigation_shows_only_what_the_role_may_open(app):
    anonymous = app.server.test_client().get("/_dash-layout").get_data(as_text=True)
    assert "Operations" not in anonymous and "Sign in" in anonymous
    viewer = client_as(app, "viewer").get("/_dash-layout").get_data(as_text=True)
    assert "Operations" in viewer and "Sign out (viewer1)" in viewer


@pytest.mark.parametrize(
    "path", ["/", "/capacity", "/relocation", "/reports", "/data", "/admin/audit", "/admin/users"]
)
def test_a_display_token_opens_no_page_but_the_wall(app, path):
    client = client_as(app, "display")
    assert client.get("/wall").status_code == 200
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/")


def test_a_display_token_gets_no_internal_page_layout_from_the_router(app):
    """Dash's router returns layouts to anyone: each page's layout checks the role itself."""
    client = client_as(app, "display")
    deps = client.get("/_dash-dependencies").get_json()
    [router] = [
        d for d in deps if d["output"] in ROUTER_OUTPUTS and "_pages_content" in d["output"]
    ]
    for path, allowed in (("/capacity", False), ("/admin/users", False), ("/wall", True)):
        body = {
            "output": router["output"],
            "outputs": [
                {"id": "_pages_content", "property": "children"},
                {"id": "_pages_store", "property": "data"},
            ],
            "inputs": [
                {"id": "_pages_location", "property": "pathname", "value": path},
                {"id": "_pages_location", "property": "search", "value": ""},
            ],
            "changedPropIds": ["_pages_location.pathname"],
            "state": [],
        }
        text = client.post("/_dash-update-component", json=body).get_data(as_text=True)
        assert ("wall-map" in text) is allowed, path
        assert ("This page is for signed-in staff." in text) is (not allowed), path
