"""Where the map looks: centre and zoom for the country or a region."""

from __future__ import annotations

import math
from dataclasses import dataclass

# Tajikistan's extent (lon 67.3-75.2, lat 36.7-41.1).
COUNTRY_BOUNDS = (67.3, 36.6, 75.2, 41.1)
MAP_WIDTH_PX = 900  # typical map width on an EOC desk screen
VIEW_ASPECT = 0.75  # the height of the map a view is fitted to, as a share of its width
TILE_PX = 512


@dataclass(frozen=True)
class MapView:
    lat: float
    lon: float
    zoom: float


def view_of_bounds(
    bounds: tuple[float, float, float, float], *, width_px: int = MAP_WIDTH_PX
) -> MapView:
    """A centre and zoom that show `bounds` (W, S, E, N) in a map about `width_px` wide."""
    west, south, east, north = bounds
    lon_span = max(east - west, 0.05)
    # Web Mercator stretches latitude: compare spans in projected units.
    lat_span = max(_mercator_y(north) - _mercator_y(south), 0.05)
    scale = width_px / TILE_PX
    zoom = min(math.log2(360 * scale / lon_span), math.log2(360 * scale * VIEW_ASPECT / lat_span))
    return MapView(lat=(south + north) / 2, lon=(west + east) / 2, zoom=round(zoom - 0.2, 2))


def _mercator_y(lat: float) -> float:
    return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


BASE_SCREEN = (1920, 1080)  # the screen the wall's sizes are set for


def screen_factor(screen: dict | None) -> float:
    """How many times a 1920×1080 screen the viewport `screen` is (at least 1)."""
    try:
        factor = min(screen["width"] / BASE_SCREEN[0], screen["height"] / BASE_SCREEN[1])
    except (TypeError, KeyError, ZeroDivisionError):
        factor = 1.0
    return max(1.0, float(factor))
