"""Plain HTTP routes beside the Dash pages."""

from __future__ import annotations

import flask

from eoc.errors import StoreError
from eoc.web.context import current_cache


def healthz() -> flask.Response:
    """Store version, data time and each layer's feature count, as JSON."""
    store = current_cache().store
    try:
        body = {
            "status": "ok",
            "store": store.location,
            "version": store.version(),
            "data_time": (t.isoformat() if (t := store.data_time()) else None),
            "layers": store.feature_counts(),
        }
    except StoreError as exc:
        return flask.make_response(flask.jsonify({"status": "error", "error": str(exc)}), 503)
    return flask.jsonify(body)


def register_routes(server: flask.Flask) -> None:
    server.add_url_rule("/healthz", "healthz", healthz)
