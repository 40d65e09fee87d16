"""Serve the EOC dashboard: `python app.py [--host H] [--port P] [--store PATH]`."""

from __future__ import annotations

import argparse
import sys

from eoc.cli import add_store_argument, ensure_store
from eoc.config import load_settings
from eoc.errors import EocError
from eoc.store.migrations import check_servable
from eoc.web import create_app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="EOC GIS dashboard for Tajikistan")
    add_store_argument(parser)
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default 8050)")
    parser.add_argument("--debug", action="store_true", default=None, help="Dash debug mode")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(vars(args))
        store = ensure_store(settings)
        check_servable(store)  # newer: refused; older: run `eoc upgrade` first
    except EocError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    app = create_app(store, settings)
    print(
        f"EOC dashboard on http://{settings.host}:{settings.port}/ (store {store.location})",
        file=sys.stderr,
    )
    app.run(
        host=settings.host,
        port=settings.port,
        debug=settings.debug,
        dev_tools_disable_version_check=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
