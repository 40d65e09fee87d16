"""The situation reports' download routes: a published report, and a feed's draft.

Internal roles only, checked in the route as in every callback; a refused role gets 403
with the reason.
"""

from __future__ import annotations

import flask

from eoc.permissions import Action
from eoc.reports.archive import CONTENT_TYPES
from eoc.web.components.feed_drafts import download_draft
from eoc.web.context import current_cache
from eoc.web.security import PermissionDeniedError, require


def download_report(number: int, ext: str) -> flask.Response:
    """A published report's HTML, PDF or Markdown; internal roles only (checked here too)."""
    require(Action.VIEW_INTERNAL)
    if ext not in CONTENT_TYPES:
        flask.abort(404)
    content = current_cache().store.report_content(number, ext)
    if content is None:
        flask.abort(404)
    response = flask.make_response(content)
    response.headers["Content-Type"] = CONTENT_TYPES[ext]
    disposition = "inline" if ext == "html" else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="sitrep-{number}.{ext}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _route(view):
    """`view` as a route: a refused role gets 403 with the reason."""

    def route(**kwargs) -> flask.Response:
        try:
            return view(**kwargs)
        except PermissionDeniedError as exc:
            return flask.make_response(str(exc), 403)

    return route


def register_report_routes(server: flask.Flask) -> None:
    server.add_url_rule(
        "/reports/<int:number>.<ext>", "report_download", _route(download_report), methods=["GET"]
    )
    server.add_url_rule(
        "/reports/drafts/<incident_id>/<lang>.md",
        "report_draft_download",
        _route(download_draft),
        methods=["GET"],
    )
