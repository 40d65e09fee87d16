"""The operational layers at the moment a screen shows: live, or rewound from the audit log.

Incidents and hazard zones carry their own times (`time_utc`, `valid_from`/`valid_to`), so
they go back in time by those as well; sites, checkpoints and projects are rewound edit by
edit (`eoc.analysis.history`). Before a layer's history begins (the store was built from the
seed then) its values are not on record: such layers are named in `unknown` so the screen can
grey them out and say why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import geopandas as gpd

import layers
from eoc.analysis.active import as_utc
from eoc.analysis.history import rewind_layers
from eoc.i18n import _, format_time
from eoc.web.cache import VersionedCache

LIVE_WITHIN = timedelta(minutes=1)  # a moment this close to now is "live"
HISTORY_READ = 20_000  # audit entries read to go back; more than this: the rest is unknown
TIMED_LAYERS = frozenset({"incidents", "hazard_zones"})  # rows carry their own times


@dataclass(frozen=True)
class LayersAt:
    frames: dict[str, gpd.GeoDataFrame]
    moment: datetime
    live: bool
    unknown: frozenset[str] = frozenset()  # layers with no record of their values then
    known_since: datetime | None = None
    rewound: dict[str, int] = field(default_factory=dict)  # edits undone per layer


def layers_at(
    cache: VersionedCache,
    names: Iterable[str],
    *,
    version: int,
    moment: datetime,
    now: datetime,
) -> LayersAt:
    """The layers `names` as they were at `moment` (as stored at `version`)."""
    frames = cache.read_layers(names, version=version)
    moment = as_utc(moment).to_pydatetime()
    if moment >= as_utc(now).to_pydatetime() - LIVE_WITHIN:
        return LayersAt(frames=frames, moment=moment, live=True)
    entries = cache.get(
        ("history", moment.isoformat()),
        lambda: cache.store.audit_log(since=moment, limit=HISTORY_READ),
        version=version,
    )
    result = rewind_layers(frames, entries, at=moment)
    horizons = [r.known_since for r in result.values() if r.known_since is not None]
    if len(entries) >= HISTORY_READ:  # more edits since then than read: no full record
        horizons.append(as_utc(entries[-1].at).to_pydatetime())
    known_since = max(horizons, default=None)
    unknown = frozenset(
        name
        for name, r in result.items()
        if name not in TIMED_LAYERS and (not r.known_at(moment) or len(entries) >= HISTORY_READ)
    )
    return LayersAt(
        frames={name: r.frame for name, r in result.items()},
        moment=moment,
        live=False,
        unknown=unknown,
        known_since=known_since,
        rewound={name: r.undone for name, r in result.items()},
    )


def describe_moment(at: LayersAt) -> str | None:
    """The "not live" banner text, or None when live."""
    if at.live:
        return None
    text = _("Viewing {time} (Dushanbe time) — not live").format(time=format_time(at.moment))
    if at.unknown:
        names = ", ".join(
            _(layers.get(name).title) for name in layers.REGISTRY if name in at.unknown
        )
        text += " · " + _(
            "{layers}: no record before {since}; shown greyed as first recorded"
        ).format(layers=names, since=format_time(at.known_since))
    return text
