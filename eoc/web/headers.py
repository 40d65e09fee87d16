"""Security headers on every response: a Content-Security-Policy the dashboard works under.

The policy allows what the pages really load and nothing else:
- scripts from this server, plus Dash's one inline renderer script (and any inline clientside
  callback) by hash — no 'unsafe-inline' or 'unsafe-eval' for scripts;
- styles from this server and inline (Dash and plotly.js set `style` attributes everywhere);
- MapLibre's web workers, which it starts from `blob:` URLs;
- images from this server, `data:` and `blob:` (plotly's and MapLibre's sprites and icons);
- fonts and map glyphs from this server only (`data:` for fonts inlined in report CSS);
- fetches from this server only (callbacks, GeoJSON, glyphs), and the tile server when the
  online tiles setting is on;
- no framing by anyone (clickjacking), no plugins, forms posting only here.
"""

from __future__ import annotations

import flask
from dash import Dash

from eoc.web.components.basemap import ONLINE_TILES_URL

HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def tile_origin(url: str = ONLINE_TILES_URL) -> str:
    """'https://host' of a tile URL template."""
    scheme, _sep, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def content_security_policy(script_hashes: list[str], *, online_tiles: bool = False) -> str:
    """The policy text; `script_hashes` are the CSP hashes of the allowed inline scripts."""
    remote = [tile_origin()] if online_tiles else []
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *remote],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'", *remote],
        "worker-src": ["'self'", "blob:"],
        "child-src": ["'self'", "blob:"],
        "frame-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def install_security_headers(app: Dash, *, online_tiles: bool = False) -> None:
    """Add the policy and the other security headers to every response of `app`."""
    policy: list[str] = []  # computed on the first response, after every callback exists

    def add_headers(response: flask.Response) -> flask.Response:
        if not policy:
            policy.append(content_security_policy(app.csp_hashes(), online_tiles=online_tiles))
        response.headers.setdefault("Content-Security-Policy", policy[0])
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    app.server.after_request(add_headers)
