"""How the app's bytes travel: compression, browser caching, and lean pages for the public.

- Responses are compressed (brotli or gzip, by Flask-Compress); Dash's fingerprinted
  component bundles are compressed once per worker and kept, since they never change.
- Fingerprinted bundles and `/assets/…?m=` files carry far-future `Cache-Control`
  (`immutable`): a repeat visit does not ask for them again.
- Other GET answers (the page, Dash's layout and dependencies, /healthz) get an ETag and
  `no-cache`, so a repeat visit is answered `304 Not Modified` when nothing changed.
- An anonymous visitor can only reach /public (and the sign-in page), which use only Dash's
  core and HTML components: the page leaves out the bundles of the internal pages'
  components (dash-ag-grid, the deprecated DataTable), about 1.3 MB of JavaScript.
"""

from __future__ import annotations

import mimetypes
import threading
from pathlib import Path

import flask
from flask_compress import Compress

from eoc.config import PROJECT_DIR, Settings
from eoc.errors import StoreError
from eoc.exercise.marking import exercise_identity
from eoc.permissions import Role
from eoc.store import Store
from eoc.web.cache import VersionProbe
from eoc.web.gunicorn_app import DEFAULT_THREADS
from eoc.web.language import LocalisedDash
from eoc.web.public_cache import (
    MachineSlot,
    PublicAnswers,
    chosen_encoding,
    encode_variants,
    install_public_answers,
    open_answer_cache,
)
from eoc.web.security import current_role

FAR_FUTURE = "public, max-age=31536000, immutable"
STAFF_THREADS = 2  # threads of each worker public requests never take
SUITES = "/_dash-component-suites/"
# Component bundles only internal pages use; never needed by an anonymous visitor.
INTERNAL_BUNDLES = (f"{SUITES}dash_ag_grid/", f"{SUITES}dash/dash_table/")
COMPRESSED_TYPES = [
    "text/html",
    "text/css",
    "text/plain",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/geo+json",
    "image/svg+xml",
    "application/x-protobuf",  # the map's label glyphs: about half their size compressed
]


class EocDash(LocalisedDash):
    """The dashboard's Dash app: an anonymous visitor's page lists only the bundles it uses."""

    def _collect_and_register_resources(self, resources, include_async=True, url_attr="src"):
        sources = super()._collect_and_register_resources(resources, include_async, url_attr)
        if not _anonymous_request():
            return sources
        return [s for s in sources if not _url_of(s, url_attr).startswith(INTERNAL_BUNDLES)]


def _anonymous_request() -> bool:
    return flask.has_request_context() and current_role() == Role.PUBLIC


def _url_of(source: object, url_attr: str) -> str:
    return str(source.get(url_attr, "")) if isinstance(source, dict) else str(source)


class _BundleCache:
    """Compressed component bundles, per worker: each is compressed once, not per visit."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_path: dict[str, dict[str, bytes]] = {}

    def variants(self, path: str, body: bytes) -> dict[str, bytes]:
        with self._lock:
            found = self._by_path.get(path)
        if found is None:
            found = encode_variants(body)
            with self._lock:
                self._by_path[path] = found
        return found


def _is_fingerprinted(request: flask.Request, response: flask.Response) -> bool:
    if request.path.startswith(SUITES):
        return response.cache_control.max_age == 31536000  # Dash: the name has a fingerprint
    return request.path.startswith("/assets/") and "m" in request.args


def cache_dir_for(store: Store, settings: Settings) -> Path:
    """Where the shared caches live: settings, else beside a GeoPackage store, else data/."""
    if settings.cache_dir is not None:
        return Path(settings.cache_dir)
    path = getattr(store, "path", None)
    return Path(path).parent / "cache" if path is not None else PROJECT_DIR / "data" / "cache"


def public_answers_for(
    store: Store, settings: Settings, *, probe: VersionProbe | None = None
) -> PublicAnswers:
    """The public answers of `store`, in Redis if configured, else in files on this server."""
    folder = cache_dir_for(store, settings)
    cache = open_answer_cache(
        store_location=store.location,
        store_instance=store_instance(store),
        cache_dir=folder,
        redis_url=settings.redis_url,
    )
    # Public requests may hold all but STAFF_THREADS of a worker's threads (waiting for the
    # machine's public slot costs no CPU); those stay free for signed-in users.
    threads = settings.threads or DEFAULT_THREADS
    return PublicAnswers(
        cache,
        (probe or VersionProbe(store)).version,
        admitted=max(1, threads - STAFF_THREADS),
        slot=MachineSlot(folder / "public-slot.lock"),
    )


def store_instance(store: Store) -> str:
    """Which store is at `store.location`: "" for the live store, the exercise for a sandbox
    (read once per process, like its EXERCISE marking: a store is made a sandbox when it is
    copied, never while it is served)."""
    try:
        return exercise_identity(store.sql) or ""
    except StoreError:
        return ""  # not built yet: the live store, to be built from the seed


def clear_public_answers(store: Store, settings: Settings) -> None:
    """Forget every kept public answer (at server start: the store may have been rebuilt)."""
    public_answers_for(store, settings).cache.clear()


def install_serving(server: flask.Flask, answers: PublicAnswers) -> None:
    """Compression, cache headers and ETags for every response; cached public answers."""
    mimetypes.add_type("application/x-protobuf", ".pbf")
    server.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    # Files (assets) go out streamed: compressed as they go, and still answered 304.
    server.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "deflate"])
    server.config.setdefault("COMPRESS_STREAMING_ENDPOINT_CONDITIONAL", ["_dash_assets.static"])
    server.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    server.config.setdefault("COMPRESS_BR_LEVEL", 4)  # dynamic answers: fast, still small
    Compress(server)
    bundles = _BundleCache()

    # Registered after Compress, so it runs before it (Flask runs these in reverse).
    @server.after_request
    def cache_headers(response: flask.Response) -> flask.Response:
        request = flask.request
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            return response
        if request.path.startswith(SUITES) and "Content-Encoding" not in response.headers:
            # A package's file: the same bytes for the life of the worker.
            encoding = chosen_encoding(request.headers.get("Accept-Encoding", ""))
            if encoding != "identity":
                response.set_data(bundles.variants(request.path, response.get_data())[encoding])
                response.headers["Content-Encoding"] = encoding
                response.headers["Vary"] = "Accept-Encoding"
                etag, weak = response.get_etag()
                if etag:
                    response.set_etag(f"{etag}-{encoding}", weak=weak)
                    response = response.make_conditional(request)
        if _is_fingerprinted(request, response):
            response.headers["Cache-Control"] = FAR_FUTURE
            return response
        if "Cache-Control" in response.headers or response.is_streamed:
            return response
        if response.direct_passthrough:
            return response  # files: Flask's send_file already answers If-None-Match
        # Pages and Dash's layout depend on the user and language: kept by the browser only,
        # asked again each time, answered 304 when the bytes are the same.
        response.headers["Cache-Control"] = "private, no-cache"
        response.add_etag()
        return response.make_conditional(request)

    install_public_answers(server, answers)  # after the hooks above: its answers go as they are
