"""/cap/feed.xml (anyone) and /cap/ALERT_ID.xml: the CAP outputs.

Anonymous readers get only published Public alerts in force (the feed) or published Public
alerts (a single file); any other identifier answers 404, exactly as an unknown one does, so
the public cannot even learn that a Restricted alert exists. Staff get any alert's file.
"""

from __future__ import annotations

from datetime import UTC, datetime

import flask

from eoc.alerts.atom import build_feed
from eoc.alerts.library import current_messages, export_csv
from eoc.alerts.workflow import PUBLISHED, get_alert
from eoc.errors import NotFoundError, StoreError
from eoc.exercise.marking import exercise_rows, exercise_title
from eoc.i18n import normalise_language
from eoc.permissions import Action, is_allowed
from eoc.web.alerts_in_force import alerts_in_force
from eoc.web.context import current_cache
from eoc.web.security import current_role

CAP_PREFIX = "/cap/"


def cap_feed() -> flask.Response:
    store = current_cache().store
    now = datetime.now(UTC)
    try:
        rows = alerts_in_force(now=now, scope="Public")
    except StoreError:
        return flask.make_response("the store is not available", 503)
    if exercise_title(store.sql) is not None:
        rows = exercise_rows(rows)
    lang = normalise_language(flask.request.args.get("lang")) or "en"
    body = build_feed(rows, base_url=flask.request.host_url.rstrip("/"), now=now, lang=lang)
    response = flask.make_response(body)
    response.headers["Content-Type"] = "application/atom+xml; charset=utf-8"
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


def cap_file(alert_id: str) -> flask.Response:
    store = current_cache().store
    try:
        row = get_alert(store.sql, alert_id)
    except NotFoundError:
        flask.abort(404)
    internal = is_allowed(current_role(), Action.VIEW_INTERNAL)
    if not internal and (row.scope != "Public" or row.state != PUBLISHED):
        flask.abort(404)
    if exercise_title(store.sql) is not None:
        row = exercise_rows([row])[0]
    response = flask.make_response(row.cap_xml)
    response.headers["Content-Type"] = "application/cap+xml; charset=utf-8"
    if not internal:
        response.headers["Cache-Control"] = "public, max-age=300"
    else:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def messages_csv() -> flask.Response:
    """The messaging library for an SMS gateway (staff only: the gate and this check)."""
    if not is_allowed(current_role(), Action.VIEW_INTERNAL):
        flask.abort(404)
    body = export_csv(current_messages(current_cache().store.sql))
    response = flask.make_response(body.encode("utf-8"))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="key_messages.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def register_cap_routes(server: flask.Flask) -> None:
    server.add_url_rule("/alerts/messages.csv", "messages_csv", messages_csv)
    server.add_url_rule("/cap/feed.xml", "cap_feed", cap_feed)
    server.add_url_rule("/cap/<string:alert_id>.xml", "cap_file", cap_file)
