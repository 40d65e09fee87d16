"""Serve the EOC dashboard: `python app.py [--host H] [--port P] [--store PATH] [--debug]`.

By default through gunicorn (several workers, see eoc/web/gunicorn_app.py); `--debug` runs
Dash's development server instead (one process, reloads on code changes, debug tools).
"""

from __future__ import annotations

import argparse
import sys

from eoc.cli import add_store_argument, ensure_store
from eoc.config import Settings, load_settings
from eoc.errors import EocError
from eoc.store import open_store
from eoc.store.migrations import check_servable
from eoc.web import create_app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="EOC GIS dashboard for Tajikistan")
    add_store_argument(parser)
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default 8050)")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: cores + 1)")
    parser.add_argument("--threads", type=int, help="threads per worker (default 8)")
    parser.add_argument(
        "--debug",
        action="store_true",
        default=None,
        help="Dash's development server with debug tools (one process)",
    )
    args = parser.parse_args(argv)
    try:
        settings = load_settings(vars(args))
        # Built once, here, before any worker starts: workers only open it.
        store = ensure_store(settings)
        check_servable(store)  # newer: refused; older: run `eoc upgrade` first
    except EocError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"EOC dashboard on http://{settings.host}:{settings.port}/ (store {store.location})",
        file=sys.stderr,
    )
    if settings.debug:
        serve_for_development(store, settings)
        return 0
    serve_with_gunicorn(settings)
    return 0


def serve_for_development(store, settings: Settings) -> None:
    """Dash's development server; the feed runner (if asked for) beside its reloader."""
    from werkzeug.serving import is_running_from_reloader

    from eoc.feeds.companion import start_companion, stop_companion

    runner = None if is_running_from_reloader() else start_companion(settings)
    try:
        create_app(store, settings).run(
            host=settings.host,
            port=settings.port,
            debug=True,
            dev_tools_disable_version_check=True,
        )
    finally:
        stop_companion(runner)


def serve_with_gunicorn(settings: Settings) -> None:
    from eoc.web.gunicorn_app import serve
    from eoc.web.serving import clear_public_answers

    clear_public_answers(open_store(settings.store), settings)  # a rebuilt store restarts at 1
    serve(lambda: create_app(open_store(settings.store), settings).server, settings)


if __name__ == "__main__":
    sys.exit(main())
