"""What a request needs from the running app: its cache (and store) and settings."""

from __future__ import annotations

import flask

from eoc.config import Settings
from eoc.web.cache import VersionedCache

CACHE_KEY = "EOC_CACHE"
SETTINGS_KEY = "EOC_SETTINGS"


def current_cache() -> VersionedCache:
    return flask.current_app.config[CACHE_KEY]


def current_settings() -> Settings:
    return flask.current_app.config[SETTINGS_KEY]
