"""Security headers: every response carries the CSP and the anti-framing/sniffing headers."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from eoc.web import create_app
from eoc.web.headers import content_security_policy, tile_origin
from tests.conftest import settings_for

COMMENT = re.compile(r"<!--.*?-->", re.S)  # the IE warning sits in one; it never runs
INLINE_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S)


@pytest.fixture(scope="module")
def client(each_staff_store):
    return create_app(each_staff_store, settings_for(each_staff_store)).server.test_client()


def directives(policy: str) -> dict[str, list[str]]:
    parts = (d.split() for d in policy.split(";") if d.strip())
    return {name: values for name, *values in parts}


@pytest.mark.parametrize("path", ["/public", "/login", "/healthz", "/", "/assets/eoc.css"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert "blob:" in policy["worker-src"]  # MapLibre's workers


def test_every_inline_script_of_the_page_is_allowed_by_its_hash(client):
    response = client.get("/public")
    page = COMMENT.sub("", response.get_data(as_text=True))
    allowed = directives(response.headers["Content-Security-Policy"])["script-src"]
    executable = [
        m["body"]
        for m in INLINE_SCRIPT.finditer(page)
        if "src=" not in m["attrs"] and "application/json" not in m["attrs"]
    ]
    assert executable, "Dash's page has its inline renderer script"
    for body in executable:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in allowed, f"inline script not allowed: {body[:60]}"


def test_online_tiles_open_only_the_tile_server():
    offline = directives(content_security_policy([]))
    online = directives(content_security_policy([], online_tiles=True))
    assert offline["img-src"] == ["'self'", "data:", "blob:"]
    assert offline["connect-src"] == ["'self'"]
    assert online["img-src"][-1] == online["connect-src"][-1] == tile_origin()
    assert tile_origin() == "https://tile.openstreetmap.org"
