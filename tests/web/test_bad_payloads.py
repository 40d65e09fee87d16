"""Hostile and absurd values posted to the real callback route: a message, never a bare 500.

Each write callback is POSTed through `/_dash-update-component` as the browser would, signed in,
with a valid write token, and values a user (or a script) can send: 1e30 people, a 100 KB word,
an infinite coordinate, garbage instead of a plan. Every answer is a 200 carrying an error
message in words (or a 4xx from the gate), and nothing is written.
"""

from __future__ import annotations

import json

import pytest

from eoc.web import create_app, ids
from eoc.web.pages import capacity, operations, operations_forms, reports
from tests.conftest import STAFF, STAFF_PASSWORD, settings_for, signed_in, staff_copy
from tests.web.test_incident_log import click_on, find

LONG_WORD = "A" * 100_000


@pytest.fixture(scope="module")
def store(request, backend, tmp_path_factory):
    copy = staff_copy(request, backend, tmp_path_factory.mktemp("bad"))
    return copy


@pytest.fixture(scope="module")
def app(store):
    return create_app(store, settings_for(store))


def client_as(app, role):
    client = app.server.test_client()
    response = client.post(
        "/login", data={"username": STAFF[role], "password": STAFF_PASSWORD, "next": "/"}
    )
    assert response.status_code == 302
    return client


def post(app, role, trigger: str, values: dict[str, object]):
    """POST the callback that `trigger` (id.property) fires, with `values` (id.prop: value)."""
    client = client_as(app, role)
    deps = client.get("/_dash-dependencies").get_json()
    [dep] = [d for d in deps if trigger in (f"{i['id']}.{i['property']}" for i in d["inputs"])]
    outputs = [
        {"id": o.split(".")[0], "property": o.split(".")[1].split("@")[0]}
        for o in dep["output"].strip(".").split("...")
    ]

    def given(items):
        return [
            {
                "id": i["id"],
                "property": i["property"],
                "value": values.get(f"{i['id']}.{i['property']}"),
            }
            for i in items
        ]

    body = {
        "output": dep["output"],
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": given(dep["inputs"]),
        "changedPropIds": [f"{i['id']}.{i['property']}" for i in dep["inputs"]],
        "state": given(dep["state"]),
    }
    return client.post(
        "/_dash-update-component", data=json.dumps(body), content_type="application/json"
    )


def assert_refused_in_words(response, *words: str) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    text = response.get_data(as_text=True)
    assert "message-error" in text
    for word in words:
        assert word in text, text[:600]


def incident_values(app, **overrides) -> dict[str, object]:
    with signed_in(app, "duty_officer"):
        token = find(operations.layout(), ids.INC_TOKEN).data
    values = {
        f"{ids.INC_SAVE}.n_clicks": 1,
        f"{ids.INC_TYPE}.value": "mudflow",
        f"{ids.INC_SEVERITY}.value": "high",
        f"{ids.INC_DESCRIPTION}.value": "road cut",
        f"{ids.INC_PEOPLE}.value": 40,
        f"{ids.INC_LAT}.value": "38.37",
        f"{ids.INC_LON}.value": "71.45",
        f"{ids.INC_REASON}.value": "call",
        f"{ids.INC_TOKEN}.data": token,
    }
    return values | {f"{k}.value" if "." not in k else k: v for k, v in overrides.items()}


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({ids.INC_PEOPLE: 1e30}, ["people_affected", "is above 20000000"]),
        ({ids.INC_PEOPLE: "1e400"}, ["people_affected", "not a whole number"]),
        ({ids.INC_PEOPLE: -3}, ["below 0"]),
        ({ids.INC_DESCRIPTION: LONG_WORD}, ["description: at most 2000 characters"]),
        ({ids.INC_REASON: LONG_WORD}, ["Reason: at most 500 characters"]),
        ({ids.INC_LAT: "1e400"}, ["outside Tajikistan"]),
        ({ids.INC_LAT: "NaN"}, ["outside Tajikistan"]),
        ({ids.INC_TYPE: {"$ne": 1}}, ["incident_type"]),
        ({f"{ids.INC_TOKEN}.data": {"forged": True}}, ["reload the page"]),
        ({f"{ids.INC_TIME}.value": {"$gt": ""}}, ["not a date and time"]),
        ({f"{ids.INC_TIME}.value": "2999-01-01T00:00"}, ["is in the future"]),
    ],
)
def test_a_hostile_incident_is_refused_in_words(app, store, overrides, words):
    before = store.version()
    response = post(
        app, "duty_officer", f"{ids.INC_SAVE}.n_clicks", incident_values(app, **overrides)
    )
    assert_refused_in_words(response, *words)
    assert store.version() == before
    assert LONG_WORD not in response.get_data(as_text=True)  # the message does not echo it


@pytest.mark.parametrize(
    ("status", "reason", "words"),
    [
        ("demolished", "r", ["is not one of"]),
        ("closed", LONG_WORD, ["at most 500 characters"]),
        (["closed"], "r", ["status"]),
    ],
)
def test_a_hostile_status_change_is_refused_in_words(app, store, status, reason, words):
    with signed_in(app, "duty_officer"):
        panel = operations_forms.show_detail(click_on("border_checkpoints", "TJ-BCP-01"))
    target = find(panel, ids.STATUS_TARGET).data
    before = store.version()
    response = post(
        app,
        "duty_officer",
        f"{ids.STATUS_SAVE}.n_clicks",
        {
            f"{ids.STATUS_SAVE}.n_clicks": 1,
            f"{ids.STATUS_VALUE}.value": status,
            f"{ids.STATUS_REASON}.value": reason,
            f"{ids.STATUS_TARGET}.data": target,
        },
    )
    assert_refused_in_words(response, *words)
    assert store.version() == before


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("individuals", 1e30, ["is above 20000000"]),
        ("individuals", "1e400", ["not a whole number"]),
        ("site_area_m2", 1e300, ["is above"]),
        ("status", LONG_WORD, ["at most 200 characters"]),
    ],
)
def test_a_hostile_grid_edit_is_refused_in_words(app, store, field, value, words):
    with signed_in(app, "cccm"):
        rows, *_ = capacity.refresh_capacity(None, "2026-11-22", "first", 0)
    row = next(r for r in rows if r["site_id"] == "TJ-DS-0001")
    event = {"rowId": row["site_id"], "colId": field, "oldValue": row[field], "value": value,
             "data": row | {field: value}, "rowIndex": 0}  # fmt: skip
    before = store.version()
    response = post(
        app,
        "cccm",
        f"{ids.CAP_GRID}.cellValueChanged",
        {f"{ids.CAP_GRID}.cellValueChanged": [event], f"{ids.CAP_REASON}.value": "count"},
    )
    assert_refused_in_words(response, *words)
    assert store.version() == before


@pytest.mark.parametrize(
    "memo",
    [
        {"incoming": {"TJ-DS-0001": 1e30}, "before": {"TJ-DS-0001": 0}},
        {"incoming": "everything", "token": "x"},
        {"incoming": {"TJ-DS-0001": 5}, "token": ["not", "a", "token"]},
    ],
)
def test_a_forged_relocation_plan_is_refused_in_words(app, store, memo):
    before = store.version()
    response = post(
        app,
        "cccm",
        f"{ids.RELOC_APPLY}.n_clicks",
        {
            f"{ids.RELOC_APPLY}.n_clicks": 1,
            f"{ids.RELOC_REASON}.value": "order",
            f"{ids.RELOC_PLAN}.data": memo,
        },
    )
    assert_refused_in_words(response, "reload the page")
    assert store.version() == before


@pytest.mark.parametrize(
    "draft",
    [{"version": 1, "lang": "en"}, {"token": 12345}, {"token": "x", "as_of": "yesterday"}],
)
def test_a_forged_report_publish_is_refused_in_words(app, store, draft):
    # Publishing runs as a background job (eoc/web/jobs.py): its callback is called here as
    # the job runs it, in the duty officer's request.
    before = len(store.list_reports())
    with signed_in(app, "duty_officer"):
        message, _archive = reports.publish(1, draft, "", "", "")
    text = str(message)
    assert "message-error" in text and "reload the page" in text, text
    assert len(store.list_reports()) == before
