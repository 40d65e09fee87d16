"""Hazard-zone geometry to CAP <polygon> text and back, simplified and checked.

CAP 1.2 §3.2.4 polygon: "a whitespace-delimited list of [WGS 84] coordinate pairs", each pair
"latitude,longitude"; "A minimum of 4 coordinate pairs MUST be present and the first and last
pairs of coordinates MUST be the same." CAP has no holes and no point limit; receivers do
(many cap-to-SMS and cell-broadcast gateways take about 100 points), so a zone is simplified
until each ring fits `max_points`, and the result is checked against the original: it must be
valid and differ from it by at most `max_area_change` of its area (holes filled: CAP has
none, and a warning for the area around a core may cover the core too).
"""

from __future__ import annotations

import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.validation import explain_validity

from eoc.alerts.model import AlertError
from eoc.i18n import _

MAX_POINTS = 100
MAX_AREA_CHANGE = 0.05  # 5 % of the zone's area, measured in UTM 42N
MAX_PARTS = 5  # separate <polygon>s for a zone in pieces; the smallest are dropped first
DECIMALS = 4  # ~11 m at these latitudes: finer than any hazard zone is known
UTM_42N = "EPSG:32642"


def cap_polygons(
    geometry: Polygon | MultiPolygon,
    *,
    max_points: int = MAX_POINTS,
    max_area_change: float = MAX_AREA_CHANGE,
    field_name: str = "area.polygon",
) -> tuple[str, ...]:
    """`geometry` (EPSG:4326) as CAP polygon strings of at most `max_points` pairs each.

    Raises AlertError naming `field_name` if the geometry is empty, invalid or
    self-intersecting, or if no simplification within `max_points` stays within
    `max_area_change` of the original.
    """
    check_geometry(geometry, field_name=field_name)
    parts = list(geometry.geoms) if isinstance(geometry, MultiPolygon) else [geometry]
    parts = sorted(parts, key=lambda p: p.area, reverse=True)[:MAX_PARTS]
    # CAP has no holes: a ring zone (MMI VII around the MMI VIII core) is warned whole.
    filled = [Polygon(p.exterior) for p in parts]
    rings = [_simplified(p, max_points) for p in filled]
    change = _area_change(shapely.union_all(filled), shapely.union_all(rings))
    if change > max_area_change:
        raise AlertError(
            field_name,
            _(
                "simplified to {points} points the area changes by {change:.0%} "
                "(at most {limit:.0%}): allow more points or draw a simpler zone"
            ).format(points=max_points, change=change, limit=max_area_change),
        )
    return tuple(format_cap_polygon(r) for r in rings)


def check_geometry(geometry: object, *, field_name: str = "area.polygon") -> None:
    """Raise AlertError unless `geometry` is a non-empty, valid (non-self-intersecting) area."""
    if not isinstance(geometry, Polygon | MultiPolygon) or geometry.is_empty:
        raise AlertError(field_name, _("the zone has no polygon"))
    if not geometry.is_valid:
        raise AlertError(
            field_name,
            _("the polygon is not valid ({reason}): redraw the zone").format(
                reason=explain_validity(geometry)
            ),
        )


def _simplified(polygon: Polygon, max_points: int) -> Polygon:
    """The least-simplified version of `polygon` whose ring has at most `max_points` pairs."""
    ring = _rounded(polygon)
    if _points(ring) <= max_points:
        return ring
    low, high = (
        0.0,
        max(polygon.bounds[2] - polygon.bounds[0], polygon.bounds[3] - polygon.bounds[1]),
    )
    best = None
    # Bisect the tolerance (degrees; 30 halvings reach a millionth of the zone's extent) with
    # plain Douglas-Peucker, 10-50x faster than the topology-preserving kind; a candidate that
    # comes out invalid (collapsed, or a ring crossing itself) counts as too coarse; if none
    # is valid, the topology-preserving kind is bisected likewise.
    for preserve in (False, True):
        lo, hi = low, high
        for _step in range(30):
            mid = (lo + hi) / 2
            shape = polygon.simplify(mid, preserve_topology=preserve)
            if not isinstance(shape, Polygon) or shape.is_empty:
                hi = mid  # fell apart: too coarse, try finer
                continue
            candidate = _rounded(shape)
            fits = _points(candidate) <= max_points
            if fits and not candidate.is_empty and candidate.is_valid:
                best, hi = candidate, mid
            elif fits:
                hi = mid  # collapsed or crossing itself: too coarse, try finer
            else:
                lo = mid
        if best is not None:
            return best
    # Only a degenerate input gets here; its hull is a safe superset.
    return _rounded(polygon.convex_hull.simplify(high, preserve_topology=True))


def _rounded(polygon: Polygon) -> Polygon:
    return shapely.set_precision(Polygon(polygon.exterior), 10**-DECIMALS)


def _points(polygon: Polygon) -> int:
    return len(polygon.exterior.coords)


def _area_change(original: Polygon | MultiPolygon, simplified: Polygon | MultiPolygon) -> float:
    """Area of the symmetric difference over the original's, in metres (UTM 42N)."""
    from pyproj import Transformer

    to_utm = Transformer.from_crs("EPSG:4326", UTM_42N, always_xy=True)
    a, b = (
        shapely.transform(g, lambda x, y: to_utm.transform(x, y), interleaved=False)
        for g in (original, simplified)
    )
    return a.symmetric_difference(b).area / a.area if a.area else 1.0


def format_cap_polygon(polygon: Polygon) -> str:
    """ "lat,lon lat,lon ..." with the first pair repeated last (shapely rings already close)."""
    coords = list(polygon.exterior.coords)
    if not polygon.exterior.is_ccw:  # CAP sets no orientation; keep one for stable output
        coords.reverse()
    return " ".join(f"{lat:.{DECIMALS}f},{lon:.{DECIMALS}f}" for lon, lat in coords)


def parse_cap_polygon(text: str, *, field_name: str = "area.polygon") -> Polygon:
    """A CAP polygon string as a shapely Polygon (x = lon, y = lat); AlertError if malformed."""
    pairs = text.split()
    coords = []
    for n, pair in enumerate(pairs, start=1):
        try:
            lat_text, lon_text = pair.split(",")
            lat, lon = float(lat_text), float(lon_text)
        except ValueError:
            raise AlertError(
                field_name,
                _("pair {n} '{pair}' is not 'latitude,longitude'").format(n=n, pair=pair[:40]),
            ) from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise AlertError(
                field_name, _("pair {n} '{pair}' is outside WGS 84").format(n=n, pair=pair[:40])
            )
        coords.append((lon, lat))
    if len(coords) < 4:
        raise AlertError(field_name, _("a polygon needs at least 4 pairs (CAP 1.2 §3.2.4)"))
    if coords[0] != coords[-1]:
        raise AlertError(field_name, _("the first and last pairs must be the same"))
    polygon = Polygon(coords)
    check_geometry(polygon, field_name=field_name)
    return polygon
