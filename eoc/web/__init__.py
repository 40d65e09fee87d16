"""The Dash web application."""

from eoc.web.app import create_app

__all__ = ["create_app"]
