"""HTTP for the feeds, on the standard library (urllib): timeouts and conditional GET.

No third-party client: urllib does what a feed poll needs (a timeout, request headers, the
status and response headers), and nothing more needs installing on an offline server.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from dataclasses import dataclass

from eoc.feeds.usgs import FeedError

USER_AGENT = "eoc-tajikistan-feeds/1 (+https://github.com/)"
# A feed body larger than this is refused (the USGS week feed is ~1–2 MB, GDACS ~0.5 MB).
MAX_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class Response:
    """What a conditional GET gave: 304 (`body` None) or 200 with the body and validators."""

    status: int
    body: bytes | None
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def conditional_get(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout_s: float = 10.0,
    label: str = "feed",
) -> Response:
    """GET `url` with If-None-Match / If-Modified-Since; FeedError for anything but 200/304."""
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json, */*"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http(s) only, checked
    if not url.startswith(("http://", "https://")):
        raise FeedError(f"the {label} address {url} is not an http(s) URL")
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as reply:  # noqa: S310
            body = reply.read(MAX_BYTES + 1)
            if len(body) > MAX_BYTES:
                raise FeedError(f"the {label} response from {url} is over {MAX_BYTES} bytes")
            promised = reply.headers.get("Content-Length")
            if promised and promised.isdigit() and len(body) < int(promised):
                raise FeedError(
                    f"the {label} response from {url} was cut off: {len(body)} of {promised} bytes"
                )
            return Response(
                reply.status, body, reply.headers.get("ETag"), reply.headers.get("Last-Modified")
            )
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return Response(304, None, exc.headers.get("ETag") or etag, last_modified)
        raise FeedError(f"the {label} at {url} answered HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, TimeoutError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise FeedError(f"could not reach the {label} at {url}: {reason}") from exc
    except (http.client.HTTPException, OSError) as exc:
        # A connection cut mid-body (IncompleteRead), a reset, a refused read.
        raise FeedError(f"the {label} response from {url} was cut off: {exc!r}") from exc


def fetch_bytes(url: str, *, timeout_s: float = 10.0, label: str = "feed") -> bytes:
    """The body at `url` (an unconditional GET)."""
    return conditional_get(url, timeout_s=timeout_s, label=label).body or b""
