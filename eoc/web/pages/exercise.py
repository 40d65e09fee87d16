"""The exercise controller (`/exercise`, admins, only on an exercise sandbox).

The scenario's timeline with what has been applied, the exercise clock, and three controls:
apply the next inject now (the clock jumps to it), pause, resume; and a form to add an inject
live (eoc/exercise/live_injects.py: checked and applied like the scenario's). Every control is
checked on the server (RUN_EXERCISE) and carries the page's write token; the writes are the
same as `eoc exercise step|pause|resume` (eoc/exercise/player.py), audited.
"""

from __future__ import annotations

from datetime import UTC, datetime

import dash
from dash import Dash, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from eoc.errors import EocError
from eoc.exercise import player
from eoc.exercise.clock import format_exercise_time
from eoc.exercise.injects import inject_states
from eoc.exercise.live_injects import ADDED_LIVE, LiveInjectForm, add_inject
from eoc.exercise.sandbox import read_exercise
from eoc.i18n import N_, _, current_language, format_time
from eoc.permissions import Action
from eoc.web import ids
from eoc.web.components.inject_form import FORM_FIELDS, GROUPS, build_inject_form, shown_groups
from eoc.web.context import current_cache, current_write_tokens
from eoc.web.security import current_username, guarded_callback, guarded_layout, require

PURPOSE = "exercise:control"
BUTTONS = (ids.EXERCISE_NEXT, ids.EXERCISE_PAUSE, ids.EXERCISE_RESUME)
NOT_AN_EXERCISE = N_("This store is not an exercise sandbox: start one with 'eoc exercise start'.")


def _token() -> str:
    return current_write_tokens().issue(
        PURPOSE, user=current_username() or "?", version=current_cache().store.version()
    )


@guarded_layout(Action.RUN_EXERCISE)
def layout(**_query: str) -> html.Div:
    store = current_cache().store
    record = read_exercise(store)
    if record is None:
        return html.Div(html.P(_(NOT_AN_EXERCISE)), className="exercise-page")
    now = datetime.now(UTC)
    cache = current_cache()
    frames = cache.read_layers(
        ["displacement_sites", "border_checkpoints"], version=cache.store.version()
    )
    return html.Div(
        className="exercise-page",
        children=[
            html.H2(_("Exercise controller")),
            html.P(record.scenario.title(current_language()), className="muted"),
            html.Div(build_clock(record, now), id=ids.EXERCISE_CLOCK),
            html.Div(
                className="exercise-controls",
                children=[
                    html.Button(_("Apply the next inject now"), id=ids.EXERCISE_NEXT),
                    html.Button(_("Pause"), id=ids.EXERCISE_PAUSE),
                    html.Button(_("Resume"), id=ids.EXERCISE_RESUME),
                ],
            ),
            html.Div(id=ids.EXERCISE_MESSAGE, role="status"),
            build_inject_form(frames["displacement_sites"], frames["border_checkpoints"]),
            html.Div(build_timeline(store, record), id=ids.EXERCISE_TIMELINE),
            dcc.Store(id=ids.EXERCISE_TOKEN, data=_token()),
        ],
    )


def build_clock(record, now: datetime) -> html.P:
    clock = record.clock
    if record.ended:
        state = _("ended")
    elif not clock.started:
        state = _("not started")
    elif clock.paused:
        state = _("paused")
    elif clock.stepped:
        state = _("stepped by the controller")
    else:
        state = _("running at ×{speed}").format(speed=f"{clock.speed:g}")
    return html.P(
        _("Exercise clock {time}: {state}").format(
            time=format_exercise_time(clock.elapsed_s(now)), state=state
        ),
        className="exercise-clock",
    )


def build_timeline(store, record) -> html.Div:
    """The injects in time order, each applied (when) or waiting, then the expected actions."""
    states = inject_states(store)
    lang = current_language()
    head = html.Tr([html.Th(_(h)) for h in (N_("Time"), N_("Inject"), N_("Kind"), N_("What"),
                                             N_("Applied"))])  # fmt: skip
    rows = []
    for inject in record.scenario.injects:
        state = states.get(inject.inject_id)
        done = state is not None and state.applied
        rows.append(
            html.Tr(
                [
                    html.Td(format_exercise_time(inject.at_s)),
                    html.Td(inject.inject_id),
                    html.Td(inject.kind),
                    html.Td(_what(inject, lang)),
                    html.Td(format_time(state.applied_at) if done else "—"),
                ],
                className="applied" if done else "waiting",
            )
        )
    expected = [
        html.Li(
            _("{text}: within {minutes} min of {after}").format(
                text=e.text(lang) or e.action,
                minutes=f"{e.within_min:g}",
                after=e.after or _("the start"),
            )
        )
        for e in record.scenario.expectations
    ]
    return html.Div(
        className="exercise-timeline",
        children=[
            html.Table([html.Thead(head), html.Tbody(rows)]),
            html.H3(_("Expected player actions")),
            html.Ul(expected),
        ],
    )


def _what(inject, lang: str) -> str:
    what = inject.text(lang) or inject.target
    if inject.added_by:
        return f"{what} ({_(ADDED_LIVE).format(user=inject.added_by)})"
    return what


def control(
    _next: int | None,
    _pause: int | None,
    _resume: int | None,
    token: str | None,
    *,
    now: datetime | None = None,
):
    """One controller action (the button pressed says which), with a fresh token."""
    button = dash.ctx.triggered_id
    if button not in BUTTONS:
        raise PreventUpdate
    store = current_cache().store
    by = current_username() or "?"
    now = now or datetime.now(UTC)
    try:
        with current_write_tokens().redeem(token, purpose=PURPOSE, user=by):
            if button == ids.EXERCISE_NEXT:
                message = player.apply_next(store, by=by, now=now).line()
            elif button == ids.EXERCISE_PAUSE:
                player.pause(store, by=by, now=now)
                message = _("exercise clock paused")
            else:
                player.resume(store, by=by, now=now)
                message = _("exercise clock resumed")
    except EocError as exc:
        return (
            html.Div(str(exc), className="message-error"),
            dash.no_update,
            dash.no_update,
            dash.no_update,
        )
    record = read_exercise(store)
    return (
        html.Div(message, className="message-ok"),
        build_timeline(store, record),
        build_clock(record, now),
        _token(),
    )


def add_live(_n: int | None, token: str | None, *values: object, now: datetime | None = None):
    """Add the form's inject (applied at once if it is due), with a fresh token."""
    require(Action.RUN_EXERCISE)  # again here: whatever path calls it
    if not _n:
        raise PreventUpdate
    store = current_cache().store
    by = current_username() or "?"
    now = now or datetime.now(UTC)
    form = LiveInjectForm(**dict(zip((name for name, _id in FORM_FIELDS), values, strict=True)))
    try:
        with current_write_tokens().redeem(token, purpose=PURPOSE, user=by):
            message = add_inject(store, form, by=by, now=now).line()
    except EocError as exc:
        error = html.Div(str(exc), className="message-error")
        return error, dash.no_update, dash.no_update, dash.no_update
    record = read_exercise(store)
    return (
        html.Div(message, className="message-ok"),
        build_timeline(store, record),
        build_clock(record, now),
        _token(),
    )


def refresh(_n: int | None):
    """The timeline and the clock, as the headless runner or another admin moved them."""
    store = current_cache().store
    record = read_exercise(store)
    if record is None:
        return [], []
    return build_timeline(store, record), build_clock(record, datetime.now(UTC))


def show_inject_fields(kind: str | None) -> tuple:
    """Only the groups of the inject form that the chosen kind reads."""
    return tuple(shown_groups(kind))


def register(app: Dash) -> None:
    dash.register_page(
        __name__,
        path="/exercise",
        title=N_("EOC Tajikistan — Exercise controller"),
        layout=layout,
        name=N_("Exercise"),
        action=Action.RUN_EXERCISE,
        exercise_only=True,
    )
    guarded_callback(
        app,
        Action.RUN_EXERCISE,
        Output(ids.EXERCISE_MESSAGE, "children"),
        Output(ids.EXERCISE_TIMELINE, "children"),
        Output(ids.EXERCISE_CLOCK, "children"),
        Output(ids.EXERCISE_TOKEN, "data"),
        *(Input(button, "n_clicks") for button in BUTTONS),
        State(ids.EXERCISE_TOKEN, "data"),
        prevent_initial_call=True,
    )(control)
    guarded_callback(
        app,
        Action.RUN_EXERCISE,
        Output(ids.EXERCISE_ADD_MESSAGE, "children"),
        Output(ids.EXERCISE_TIMELINE, "children", allow_duplicate=True),
        Output(ids.EXERCISE_CLOCK, "children", allow_duplicate=True),
        Output(ids.EXERCISE_TOKEN, "data", allow_duplicate=True),
        Input(ids.EXERCISE_ADD, "n_clicks"),
        State(ids.EXERCISE_TOKEN, "data"),
        *(State(component, "value") for _name, component in FORM_FIELDS),
        prevent_initial_call=True,
    )(add_live)
    guarded_callback(
        app,
        Action.RUN_EXERCISE,
        Output(ids.EXERCISE_TIMELINE, "children", allow_duplicate=True),
        Output(ids.EXERCISE_CLOCK, "children", allow_duplicate=True),
        Input(ids.EXERCISE_POLL, "n_intervals"),
        prevent_initial_call=True,
    )(refresh)
    guarded_callback(
        app,
        Action.RUN_EXERCISE,
        *(Output(group, "style") for group in GROUPS),
        Input(ids.EXERCISE_ADD_KIND, "value"),
        prevent_initial_call=True,
    )(show_inject_fields)
