"""What a request needs from the running app: its cache (and store) and settings."""

from __future__ import annotations

import flask

from eoc.config import Settings
from eoc.web.cache import VersionedCache
from eoc.write_tokens import WriteTokens

CACHE_KEY = "EOC_CACHE"
SETTINGS_KEY = "EOC_SETTINGS"
WRITE_TOKENS_KEY = "EOC_WRITE_TOKENS"
EXERCISE_KEY = "EOC_EXERCISE_TITLE"


def current_cache() -> VersionedCache:
    return flask.current_app.config[CACHE_KEY]


def current_settings() -> Settings:
    return flask.current_app.config[SETTINGS_KEY]


def current_write_tokens() -> WriteTokens:
    """The app's write tokens, signed with its session key (made on first use)."""
    config = flask.current_app.config
    tokens = config.get(WRITE_TOKENS_KEY)
    if tokens is None:
        tokens = config.setdefault(WRITE_TOKENS_KEY, WriteTokens(flask.current_app.secret_key))
    return tokens


def current_exercise_title() -> str | None:
    """The title (in the page's language) of the exercise the app's store is a sandbox of,
    or None for a live store.

    Read once per process: a store becomes a sandbox when it is made, never while served.
    """
    from eoc.errors import StoreError
    from eoc.exercise.marking import exercise_titles, title_in  # late: imported early

    config = flask.current_app.config
    if EXERCISE_KEY not in config:
        try:
            config[EXERCISE_KEY] = exercise_titles(current_cache().store.sql)
        except StoreError:
            return None  # not built yet: asked again on the next request
    return title_in(config[EXERCISE_KEY])
