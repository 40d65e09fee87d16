"""A small asyncio HTTP/1.1 client for the load benchmark: keep-alive, cookies, bytes on the wire.

Only what `bench_load` needs (127.0.0.1, Content-Length or chunked bodies), so that the
client costs far less CPU than the server it loads on the same machine.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

# What Chromium sends: the server may answer with brotli or gzip.
BROWSER_ENCODINGS = "gzip, deflate, br, zstd"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    wire_bytes: int  # status line, headers and body as they came over the socket
    seconds: float


@dataclass
class Client:
    """One browser-like connection: keep-alive, its own cookies."""

    host: str
    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    _reader: asyncio.StreamReader | None = None
    _writer: asyncio.StreamWriter | None = None

    async def _open(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> Answer:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        all_headers = {"Accept-Encoding": BROWSER_ENCODINGS, **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            all_headers["Content-Type"] = content_type
            all_headers["Content-Length"] = str(len(body))
        lines += [f"{k}: {v}" for k, v in all_headers.items()]
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")
        for attempt in (1, 2):  # a keep-alive connection the server closed: open it again
            if self._writer is None:
                await self._open()
            start = time.perf_counter()
            try:
                self._writer.write(raw)
                await self._writer.drain()
                answer = await self._read(start)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt == 2:
                    raise
                continue
            if answer.headers.get("connection", "").lower() == "close":
                await self.close()
            for value in answer.headers.get("set-cookie-all", "").split("\n"):
                if value:
                    cookie = SimpleCookie(value)
                    self.cookies.update({k: m.value for k, m in cookie.items()})
            return answer
        raise AssertionError("unreachable")

    async def _read(self, start: float) -> Answer:
        reader = self._reader
        head = await reader.readuntil(b"\r\n\r\n")
        wire = len(head)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                name = name.strip().lower()
                if name == "set-cookie":
                    headers["set-cookie-all"] = headers.get("set-cookie-all", "") + value + "\n"
                headers[name] = value.strip()
        if "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
            wire += len(body)
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size_line = await reader.readuntil(b"\r\n")
                size = int(size_line.split(b";")[0], 16)
                chunk = await reader.readexactly(size + 2)
                wire += len(size_line) + len(chunk)
                if size == 0:
                    break
                chunks.append(chunk[:-2])
            body = b"".join(chunks)
        elif status in (204, 304) or 100 <= status < 200:
            body = b""
        else:
            body = await reader.read()
            wire += len(body)
            await self.close()
        return Answer(status, headers, body, wire, time.perf_counter() - start)

    async def sign_in(self, name: str, password: str) -> None:
        form = f"username={name}&password={password.replace(' ', '+')}&next=/".encode()
        answer = await self.request(
            "POST", "/login", body=form, content_type="application/x-www-form-urlencoded"
        )
        if answer.status != 302:
            raise RuntimeError(f"sign-in of {name} failed: {answer.status}")


def decoded(answer: Answer) -> bytes:
    """The body without its Content-Encoding."""
    encoding = answer.headers.get("content-encoding")
    if encoding == "br":
        import brotli

        return brotli.decompress(answer.body)
    if encoding == "gzip":
        import gzip

        return gzip.decompress(answer.body)
    return answer.body


def callback_body(dep: dict, value_of) -> bytes:
    """The JSON a Dash renderer POSTs for dependency `dep`, inputs from `value_of(i)`."""
    outputs = [
        {"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
        for part in dep["output"].strip(".").split("...")
    ]
    body = {
        "output": dep["output"],
        "outputs": outputs if dep["output"].startswith("..") else outputs[0],
        "inputs": [dict(i, value=value_of(i)) for i in dep["inputs"]],
        "changedPropIds": [f"{i['id']}.{i['property']}" for i in dep["inputs"]],
        "state": [dict(s, value=value_of(s)) for s in dep["state"]],
    }
    return json.dumps(body).encode()


def page_resources(html: str) -> list[str]:
    """Scripts, stylesheets and the favicon a page's HTML asks for."""
    found = re.findall(r'<script[^>]+src="([^"]+)"', html)
    found += re.findall(r'<link[^>]+href="([^"]+)"', html)
    return list(dict.fromkeys(found))


def components_by_id(tree: object):
    """(id, props) of every component in a serialised Dash layout."""
    if isinstance(tree, list):
        for item in tree:
            yield from components_by_id(item)
    elif isinstance(tree, dict):
        props = tree.get("props")
        if isinstance(props, dict):
            if isinstance(props.get("id"), str):
                yield props["id"], props
            yield from components_by_id(props.get("children"))


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    args: list[str],
    *,
    env: dict[str, str],
    port: int,
    log: Path,
    app_dir: Path | None = None,
    timeout_s: float = 90,
) -> subprocess.Popen:
    """`python app.py ARGS` (of `app_dir`, default this checkout) in its own process group,
    once /healthz answers."""
    process = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port), *args],
        cwd=app_dir or Path(__file__).resolve().parents[1],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return process
        except OSError:
            time.sleep(0.3)
    stop_server(process)
    raise RuntimeError(f"server did not answer in {timeout_s} s: {log.read_text()[-2000:]}")


def stop_server(process: subprocess.Popen) -> None:
    """TERM the server's process group (gunicorn and its workers), KILL if it lingers."""
    import os
    import signal

    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=35)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
