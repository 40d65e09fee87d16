"""A local HTTP server on 127.0.0.1 (http.server in a thread) that serves recorded responses.

Each path maps to a list of replies served in turn (the last one repeats): a reply is a
status, a body, headers and an optional delay. A reply with `etag` answers 304 to a request
that sends the same If-None-Match, as a real feed server does.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    etag: str | None = None
    delay_s: float = 0.0
    content_length: int | None = None  # a larger value than the body: the body is cut off


@dataclass
class FeedServer:
    routes: dict[str, list[Reply]] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str], float]] = field(default_factory=list)

    def start(self) -> FeedServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                path = self.path.split("?")[0]
                server.requests.append((self.path, dict(self.headers), time.time()))
                replies = server.routes.get(path) or [Reply(404, b"not found")]
                reply = replies.pop(0) if len(replies) > 1 else replies[0]
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                if reply.etag and self.headers.get("If-None-Match") == reply.etag:
                    self.send_response(304)
                    self.send_header("ETag", reply.etag)
                    self.end_headers()
                    return
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                length = reply.content_length or len(reply.body)
                self.send_header("Content-Length", str(length))
                if reply.etag:
                    self.send_header("ETag", reply.etag)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(reply.body)
                if reply.content_length:
                    self.close_connection = True

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def hits(self, path: str) -> int:
        return sum(1 for p, _h, _t in self.requests if p.split("?")[0] == path)
