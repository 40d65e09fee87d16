"""Public answers computed once per store version and shared by every worker.

A public callback's answer depends only on the store version, the language and the inputs
(which layers are on): never on who asks. The first request for such a key builds it through
Dash as usual; its body is kept, already compressed, in a cache every worker reads (files
under the data folder for one server, Redis when several share a PostGIS store). Every later
request for the key is answered from there before Dash runs. The version is read from the
store on every request, so an answer kept for an old version is never served after a write;
the cache is the store's own (its place and, for an exercise sandbox, which exercise), so a
sandbox started where an archived one was never gets that one's answers.

Public traffic is bounded so that it never starves signed-in users: in each worker some
threads are never given to public requests, and one public request runs at a time on the machine
(`MachineSlot`; the others wait without using CPU); past that a public request is told to
retry (503, Retry-After). A miss is rebuilt once, one at a time for all the workers (and
servers) sharing the cache.
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import brotli
import flask

from eoc.i18n import _, current_language

ANSWERS_KEY = "EOC_PUBLIC_ANSWERS"
ENCODINGS = ("br", "gzip")  # kept besides the plain body; the best one the client takes wins
KEPT_VERSIONS = 3
ANSWER_TTL_S = 3600  # Redis only: answers of versions nobody asks for any more expire
BLOB_TTL_S = 7 * 24 * 3600
REBUILD_WAIT_S = 30.0
RETRY_AFTER_S = 2


class AnswerCache(Protocol):
    """Bytes by key, shared by the workers; a lock that holds across them."""

    def get(self, key: str) -> bytes | None: ...

    def set(self, key: str, value: bytes, *, version: int | None) -> None: ...

    def lock(self, name: str, *, timeout_s: float) -> contextlib.AbstractContextManager[bool]: ...

    def clear(self) -> None: ...


class FileAnswerCache:
    """One file per entry under `folder`; answers in one folder per store version."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def _path(self, key: str, version: int | None) -> Path:
        name = hashlib.sha256(key.encode()).hexdigest()
        return self.folder / (f"v{version}" if version is not None else "blobs") / name

    def get(self, key: str) -> bytes | None:
        version = _version_of(key)
        try:
            return self._path(key, version).read_bytes()
        except FileNotFoundError:
            return None

    def set(self, key: str, value: bytes, *, version: int | None) -> None:
        path = self._path(key, version)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside, then renamed: a reader sees the whole answer or none.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as out:
            out.write(value)
        os.replace(tmp, path)
        if version is not None:
            self._prune(version)

    def _prune(self, newest: int) -> None:
        for old in self.folder.glob("v*"):
            number = old.name[1:]
            if number.isdigit() and int(number) <= newest - KEPT_VERSIONS:
                shutil.rmtree(old, ignore_errors=True)

    @contextlib.contextmanager
    def lock(self, name: str, *, timeout_s: float) -> Iterator[bool]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / f"{name}.lock", "a+b") as handle:
            deadline = time.monotonic() + timeout_s
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        yield False
                        return
                    time.sleep(0.01)
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def clear(self) -> None:
        for child in self.folder.glob("v*"):
            shutil.rmtree(child, ignore_errors=True)


class RedisAnswerCache:
    """Entries in Redis under one prefix per store, for app servers sharing one store.

    Redis down or unreachable is a cache that keeps nothing: every answer is computed (and
    the app serves, slower), rather than every public request failing.
    """

    def __init__(self, url: str, *, prefix: str) -> None:
        import redis  # only a deployment with EOC_REDIS_URL needs it

        self.client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=5)
        self.prefix = prefix
        self._errors = redis.RedisError

    def get(self, key: str) -> bytes | None:
        try:
            return self.client.get(self.prefix + key)
        except self._errors:
            return None

    def set(self, key: str, value: bytes, *, version: int | None) -> None:
        ttl = ANSWER_TTL_S if version is not None else BLOB_TTL_S
        with contextlib.suppress(self._errors):
            self.client.set(self.prefix + key, value, ex=ttl)

    @contextlib.contextmanager
    def lock(self, name: str, *, timeout_s: float) -> Iterator[bool]:
        lock = self.client.lock(self.prefix + "lock:" + name, timeout=120)
        try:
            acquired = lock.acquire(blocking=True, blocking_timeout=timeout_s)
        except self._errors:  # no shared lock to take: this machine's slot still holds
            yield True
            return
        try:
            yield bool(acquired)
        finally:
            if acquired:
                with contextlib.suppress(Exception):
                    lock.release()

    def clear(self) -> None:
        with contextlib.suppress(self._errors):
            for key in self.client.scan_iter(match=self.prefix + "v*"):
                self.client.delete(key)


class MachineSlot:
    """One public request at a time on this machine, across every worker process.

    A thread lock (one thread per worker) and then an exclusive `flock` on a file shared by
    the workers; a blocked thread sleeps in the kernel without holding the GIL. Public work
    thus never takes more than one core, whatever the flood: the others stay for staff.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._thread_lock = threading.Lock()
        self._handle = None
        self._pid = None

    @contextlib.contextmanager
    def held(self, *, timeout_s: float) -> Iterator[bool]:
        if not self._thread_lock.acquire(timeout=timeout_s):
            yield False
            return
        try:
            if self._pid != os.getpid():  # opened after the fork, once per worker
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._handle = open(self.path, "a+b")  # noqa: SIM115 - kept open on purpose
                self._pid = os.getpid()
            fcntl.flock(self._handle, fcntl.LOCK_EX)
            try:
                yield True
            finally:
                fcntl.flock(self._handle, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()


def _version_of(key: str) -> int | None:
    head = key.split(":", 1)[0]
    return int(head[1:]) if head.startswith("v") and head[1:].isdigit() else None


def open_answer_cache(
    *, store_location: str, cache_dir: Path, redis_url: str | None, store_instance: str = ""
):
    """The shared cache for the public answers of the store at `store_location`.

    `store_instance` tells apart stores made one after the other at one place (an exercise
    sandbox started where an archived one was): the version counters of two such stores
    meet, so without it the new one would be served the old one's answers.
    """
    place = store_location if not store_instance else f"{store_location}\0{store_instance}"
    store_id = hashlib.sha256(place.encode()).hexdigest()[:12]
    if redis_url:
        return RedisAnswerCache(redis_url, prefix=f"eoc:{store_id}:")
    return FileAnswerCache(Path(cache_dir) / "public" / store_id)


# -- encoded bodies ------------------------------------------------------------------------


def encode_variants(body: bytes) -> dict[str, bytes]:
    """The body as sent to clients that take brotli, gzip or neither."""
    return {
        "identity": body,
        "br": brotli.compress(body, quality=9),
        "gzip": gzip.compress(body, compresslevel=6, mtime=0),
    }


def pack(variants: dict[str, bytes]) -> bytes:
    header = json.dumps({name: len(data) for name, data in variants.items()}).encode()
    return len(header).to_bytes(4, "big") + header + b"".join(variants.values())


def unpack(packed: bytes) -> dict[str, bytes]:
    size = int.from_bytes(packed[:4], "big")
    lengths = json.loads(packed[4 : 4 + size])
    variants, at = {}, 4 + size
    for name, length in lengths.items():
        variants[name] = packed[at : at + length]
        at += length
    return variants


def chosen_encoding(accept_encoding: str) -> str:
    """br if the client takes it, else gzip, else the plain body."""
    offered = {part.split(";")[0].strip().lower() for part in accept_encoding.split(",")}
    return next((name for name in ENCODINGS if name in offered), "identity")


def encoded_response(
    variants: dict[str, bytes], *, mimetype: str, etag: str | None = None
) -> flask.Response:
    encoding = chosen_encoding(flask.request.headers.get("Accept-Encoding", ""))
    response = flask.Response(variants[encoding], mimetype=mimetype)
    if encoding != "identity":
        response.headers["Content-Encoding"] = encoding
    response.headers["Vary"] = "Accept-Encoding"
    if etag is not None:
        response.set_etag(f"{etag}-{encoding}")
    return response


# -- cached callbacks ----------------------------------------------------------------------


@dataclass(frozen=True)
class CachedCallback:
    """A public callback (by its Dash output key) and how its inputs make a cache key."""

    output: str
    key_of_inputs: Callable[[list], str | None]  # None: inputs not recognised, do not cache


class PublicAnswers:
    """Serves and stores the answers of public callbacks, per version, language and inputs."""

    def __init__(
        self, cache: AnswerCache, version: Callable[[], int], *, admitted: int, slot: MachineSlot
    ) -> None:
        self.cache = cache
        self.version = version
        self.callbacks: dict[str, CachedCallback] = {}
        self._admitted = threading.BoundedSemaphore(max(1, admitted))
        self._slot = slot

    def add(self, callback: CachedCallback) -> None:
        self.callbacks[callback.output] = callback

    def key_for(self, body: dict, version: int) -> str | None:
        callback = self.callbacks.get(body.get("output", ""))
        if callback is None:
            return None
        inputs = body.get("inputs")
        part = callback.key_of_inputs(inputs if isinstance(inputs, list) else [])
        if part is None:
            return None
        output_id = hashlib.sha256(callback.output.encode()).hexdigest()[:10]
        return f"v{version}:{current_language()}:{output_id}:{part}"

    # Flask hooks ---------------------------------------------------------------------------

    def before_request(self) -> flask.Response | None:
        request = flask.request
        if request.path != "/_dash-update-component" or request.method != "POST":
            return None
        try:
            body = json.loads(request.get_data(cache=True) or b"{}")
        except ValueError:
            return None
        if not isinstance(body, dict):
            return None
        version = self.version()
        key = self.key_for(body, version)
        if key is None:
            return None
        # At most `admitted` threads of this worker take public requests, and one public
        # request runs at a time on the machine: the other threads, and the other cores,
        # stay free for signed-in users.
        if not self._admitted.acquire(blocking=False):
            return _busy()
        stack = contextlib.ExitStack()
        flask.g.eoc_public_hold = stack
        stack.callback(self._admitted.release)
        if not stack.enter_context(self._slot.held(timeout_s=REBUILD_WAIT_S)):
            return _busy()
        hit = self._served(key)
        if hit is not None:
            return hit
        # A miss: built once, one rebuild at a time for every worker sharing the cache.
        if not stack.enter_context(self.cache.lock("rebuild", timeout_s=REBUILD_WAIT_S)):
            return _busy()
        hit = self._served(key)  # built by another worker while this one waited
        if hit is not None:
            return hit
        flask.g.eoc_public_key = (key, version)
        return None

    def after_request(self, response: flask.Response) -> flask.Response:
        pending = flask.g.pop("eoc_public_key", None)
        if pending is None or response.status_code != 200 or response.direct_passthrough:
            return response
        key, version = pending
        variants = encode_variants(response.get_data())
        # Data read after a newer write would be kept under the older version: not kept.
        if self.version() == version:
            self.cache.set(key, pack(variants), version=version)
        return encoded_response(variants, mimetype=response.mimetype)

    def teardown_request(self, _exc: BaseException | None = None) -> None:
        stack = flask.g.pop("eoc_public_hold", None)
        if stack is not None:
            stack.close()

    def _served(self, key: str) -> flask.Response | None:
        packed = self.cache.get(key)
        if packed is None:
            return None
        return encoded_response(unpack(packed), mimetype="application/json")

    # Content-addressed blobs (public GeoJSON the figures point to) -------------------------

    def put_blob(self, data: bytes) -> str:
        """Keep `data` under its content hash; returns the hash."""
        digest = hashlib.sha256(data).hexdigest()[:32]
        if self.cache.get(f"blob:{digest}") is None:
            self.cache.set(f"blob:{digest}", pack(encode_variants(data)), version=None)
        return digest

    def blob_response(self, digest: str, *, mimetype: str) -> flask.Response | None:
        packed = self.cache.get(f"blob:{digest}")
        if packed is None:
            return None
        response = encoded_response(unpack(packed), mimetype=mimetype, etag=digest)
        # The address is the content: it never changes, so browsers keep it for a year.
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response.make_conditional(flask.request)


def _busy() -> flask.Response:
    response = flask.jsonify({"error": _("The public map is being updated: try again shortly.")})
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


def install_public_answers(server: flask.Flask, answers: PublicAnswers) -> None:
    """Register the hooks: after the language and the request gate, before Dash."""
    server.config[ANSWERS_KEY] = answers
    server.before_request(answers.before_request)
    server.after_request(answers.after_request)
    server.teardown_request(answers.teardown_request)


def current_answers() -> PublicAnswers:
    return flask.current_app.config[ANSWERS_KEY]
