"""The EXERCISE banner: on top of every page of an app served on an exercise sandbox.

Staff also see the latest messages to the players (message injects, eoc/exercise), polled
like the store version; the public sees the banner alone.
"""

from __future__ import annotations

from dash import Dash, Input, Output, dcc, html

from eoc.exercise.clock import format_exercise_time
from eoc.exercise.injects import player_messages
from eoc.exercise.marking import BANNER_TEXT, EXERCISE_WORD, PUBLIC_BANNER_TEXT
from eoc.i18n import _, current_language, format_time
from eoc.permissions import Action, is_allowed
from eoc.web import ids
from eoc.web.context import current_cache, current_exercise_title, current_settings
from eoc.web.security import current_role, guarded_callback


def exercise_banner() -> html.Div | None:
    """The banner for this request's page, or None on a live store."""
    title = current_exercise_title()
    if title is None:
        return None
    staff = is_allowed(current_role(), Action.VIEW_INTERNAL)
    children: list = [
        html.Strong(_(EXERCISE_WORD), className="exercise-word"),
        html.Span(
            _(BANNER_TEXT).format(title=title) if staff else _(PUBLIC_BANNER_TEXT),
            className="exercise-title",
        ),
    ]
    if staff:
        refresh_ms = int(current_settings().refresh_s * 1000)
        children += [
            html.Div(build_messages(), id=ids.EXERCISE_MESSAGES, className="exercise-messages"),
            dcc.Interval(id=ids.EXERCISE_POLL, interval=refresh_ms),
        ]
    return html.Div(children, id=ids.EXERCISE_BANNER, className="exercise-banner", role="status")


def build_messages() -> list:
    """The latest messages to the players, in the page's language."""
    if current_exercise_title() is None:
        return []
    lang = current_language()
    items = []
    for state in player_messages(current_cache().store):
        texts = state.detail.get("texts") or {}
        text = texts.get(lang) or texts.get("en", "")
        when = format_exercise_time(state.exercise_s or 0)
        stamp = format_time(state.applied_at) if state.applied_at else ""
        items.append(
            html.Div(
                [html.Span(f"{when} · {stamp}", className="exercise-when"), " ", text],
                className="exercise-player-message",
            )
        )
    return items


def update_messages(_n: int | None) -> list:
    return build_messages()


def register_exercise_banner(app: Dash) -> None:
    guarded_callback(
        app,
        Action.VIEW_INTERNAL,
        Output(ids.EXERCISE_MESSAGES, "children"),
        Input(ids.EXERCISE_POLL, "n_intervals"),
        prevent_initial_call=True,
    )(update_messages)
