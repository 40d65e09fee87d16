"""Plain HTTP routes beside the Dash pages."""

from __future__ import annotations

import flask

from eoc.errors import StoreError
from eoc.permissions import Action, is_allowed
from eoc.publish import PUBLISHED_LAYERS, published_counts
from eoc.web.context import current_cache
from eoc.web.security import current_role


def healthz() -> flask.Response:
    """Whether the service is up, as JSON.

    Anonymous monitors get the status and the feature counts of the published layers' public
    view only: no store version or data time, which move with every write, sensitive ones
    included. Signed-in staff also get the version, data time, every layer's count and the
    store's location.
    """
    cache = current_cache()
    store = cache.store
    internal = is_allowed(current_role(), Action.VIEW_INTERNAL)
    try:
        if not internal:
            version = store.version()
            counts = cache.get(
                "public-counts",
                lambda: published_counts(cache.read_layers(PUBLISHED_LAYERS, version=version)),
                version=version,
            )
            return flask.jsonify({"status": "ok", "layers": counts})
        body = {
            "status": "ok",
            "version": store.version(),
            "data_time": (t.isoformat() if (t := store.data_time()) else None),
            "layers": store.feature_counts(),
            "store": store.location,
        }
    except StoreError as exc:
        message = str(exc) if internal else "the store is not available"
        return flask.make_response(flask.jsonify({"status": "error", "error": message}), 503)
    return flask.jsonify(body)


def register_routes(server: flask.Flask) -> None:
    server.add_url_rule("/healthz", "healthz", healthz)
