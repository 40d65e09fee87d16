"""Plain HTTP routes beside the Dash pages."""

from __future__ import annotations

import flask

from eoc.errors import StoreError
from eoc.permissions import Action, is_allowed
from eoc.web.context import current_cache
from eoc.web.security import current_role


def healthz() -> flask.Response:
    """Store version, data time and each layer's feature count, as JSON."""
    store = current_cache().store
    internal = is_allowed(current_role(), Action.VIEW_INTERNAL)
    try:
        body = {
            "status": "ok",
            "version": store.version(),
            "data_time": (t.isoformat() if (t := store.data_time()) else None),
            # Anonymous monitors see counts of what is public only: no hint of hidden rows.
            "layers": store.feature_counts(public_only=not internal),
        }
        if internal:
            body["store"] = store.location
    except StoreError as exc:
        message = str(exc) if internal else "the store is not available"
        return flask.make_response(flask.jsonify({"status": "error", "error": message}), 503)
    return flask.jsonify(body)


def register_routes(server: flask.Flask) -> None:
    server.add_url_rule("/healthz", "healthz", healthz)
