"""Deciding how little a map refresh can send."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

Step = Literal["full", "layers", "visibility"] | None


def plan_map_update(
    drawn: dict | None, *, version: int, region: str, hidden: Sequence[str]
) -> Step:
    """What the browser needs, given what it has drawn (`drawn`: version, region, hidden).

    "full": a new figure (first draw, or another region: the view moves);
    "layers": only the traces of layers written since the drawn version;
    "visibility": only show/hide flags; None: nothing.
    """
    if not drawn or drawn.get("region") != region or drawn.get("version") is None:
        return "full"
    if drawn["version"] != version:
        return "layers"
    if list(drawn.get("hidden", [])) != list(hidden):
        return "visibility"
    return None
