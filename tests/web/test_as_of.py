"""The past, all of it: every layer as it was at the as-of moment, a banner, play and stop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dash
import pytest
from dash._callback_context import context_value
from dash._utils import AttributeDict

from eoc.store.edits import Edit
from eoc.web import create_app, ids
from eoc.web.pages.operations import show_as_of, step_play, update_map, update_panels
from tests.conftest import SEED_TIME, settings_for, signed_in, staff_copy

KYZYL_ART = "TJ-BCP-09"
CLOSED_AT = SEED_TIME + timedelta(days=5)  # in the past of the real clock
NOW = CLOSED_AT + timedelta(hours=2)


@pytest.fixture(scope="module")
def store(request, backend, tmp_path_factory):
    copy = staff_copy(request, backend, tmp_path_factory.mktemp("as-of"))
    copy.apply_edits(
        "border_checkpoints",
        [Edit(KYZYL_ART, {"status": "closed"})],
        user="duty1",
        reason="snow on the pass",
        now=CLOSED_AT,
    )
    return copy


@pytest.fixture(scope="module")
def app(store):
    return create_app(store, settings_for(store))


def checkpoint_status(figure, checkpoint_id: str) -> str | None:
    """The category (status) of the trace that draws `checkpoint_id`."""
    for trace in figure.data:
        if trace.meta["layer"] == "border_checkpoints" and checkpoint_id in (trace.ids or ()):
            return trace.meta.get("category")
    return None


def draw_at(app, hours_back: float, base: str | None = None):
    with signed_in(app, "viewer"):
        figure, _footer, _state = update_map(
            None, ["border_checkpoints"], "all", None, None, hours_back, base, None, now=NOW
        )
    return figure


def test_a_checkpoint_is_shown_with_the_status_it_had_then(app):
    assert checkpoint_status(draw_at(app, 0), KYZYL_ART) == "closed"
    assert checkpoint_status(draw_at(app, 1), KYZYL_ART) == "closed"
    # Three hours back is before it was closed: restricted, as recorded then.
    assert checkpoint_status(draw_at(app, 3), KYZYL_ART) == "restricted"


def test_the_figures_go_back_in_time_too(app):
    with signed_in(app, "viewer"):
        live, _ = update_panels(None, 0, None, "all", now=NOW)
        before, _ = update_panels(None, 3, None, "all", now=NOW)
    assert "kpi-closed-checkpoints" in str(live)
    closed_now = _tile(live, "closed-checkpoints")
    assert _tile(before, "closed-checkpoints") == closed_now - 1


def _tile(block, name: str) -> int:
    for tile in block.children[1].children:
        if f"kpi-{name}" in tile.className.split():
            return int(tile.children[0].children)
    raise AssertionError(name)


def test_before_the_store_had_history_the_layers_are_greyed_and_said_so(app):
    figure = draw_at(app, 0, (SEED_TIME - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
    drawn = [t for t in figure.data if t.meta["layer"] == "border_checkpoints" and t.ids]
    assert drawn and all(t.marker.color == "#9e9e9e" for t in drawn)
    with signed_in(app, "viewer"):
        _label, banner, style = show_as_of(24 * 12, None, now=NOW)
    assert "not live" in banner and "Border checkpoints" in banner and "greyed" in banner
    assert style == {"display": "block"}
    with signed_in(app, "viewer"):
        _label, live, style = show_as_of(0, None, now=NOW)
    assert live is None and style == {"display": "none"}


def run_play(trigger: str, hours_back, paused):
    context_value.set(AttributeDict(triggered_inputs=[{"prop_id": f"{trigger}.n_clicks"}]))
    return step_play(1, 1, 1, hours_back, paused)


def test_play_pauses_resumes_and_stops(app):
    with signed_in(app, "viewer"):
        assert run_play(ids.PLAY, 0, True)[:2] == (72, False)  # start at -72 h, ticking
        value, paused, label = run_play(ids.PLAY, 45, False)  # pause where it is
        assert value is dash.no_update and paused is True and label == "Play the last 72 hours"
        assert run_play(ids.PLAY, 45, True)[:2] == (45, False)  # resume from there
        assert run_play(ids.PLAY_STOP, 45, False)[:2] == (0, True)  # back to live


def test_the_wall_replays_the_past_with_a_banner(app):
    from eoc.web.pages.wall import update_wall_panels

    then = (CLOSED_AT - timedelta(hours=3)).isoformat()
    params = {"views": ["country"], "rotate_s": None, "stale_after_min": 30.0, "now": then}
    with signed_in(app, "viewer"):
        kpis, banners, _time, _feed = update_wall_panels(1, None, params, 0)
        live_kpis, live_banners, _time, _feed = update_wall_panels(
            1, None, params | {"now": datetime.now(UTC).isoformat()}, 0
        )
    assert "banner-past" in str(banners) and "not live" in str(banners)
    assert "banner-past" not in str(live_banners)
    assert _tile(kpis, "closed-checkpoints") == _tile(live_kpis, "closed-checkpoints") - 1
