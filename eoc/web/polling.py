"""The cheap question every live page asks: has the store changed since I last looked?"""

from __future__ import annotations

import dash

from eoc.web.context import current_cache


def poll_version(_ticks: int | None, known: int | None):
    """The store version, sent only when it differs from what the page knows."""
    version = current_cache().version()
    return dash.no_update if version == known else version
