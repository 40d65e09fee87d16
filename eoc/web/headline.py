"""The headline figures and the activity feed of a screen, for the whole country or one region.

`/` and `/wall` both show them; both come here, so a region filter narrows the figures and
the feed alike and the two screens never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import layers
from eoc.analysis.activity import (
    ActivityItem,
    changes_to_features,
    feature_names,
    latest_activity,
)
from eoc.analysis.capacity import CapacityRules
from eoc.analysis.kpis import Kpis, compute_kpis
from eoc.analysis.regions import features_in_region
from eoc.i18n import _, localised
from eoc.web.cache import VersionedCache
from eoc.web.components.capacity_settings import standards_for
from eoc.web.past import LayersAt, layers_at

AUDIT_READ = 60  # audit entries read for the feed (account entries are dropped from these)


@dataclass(frozen=True)
class Headline:
    kpis: Kpis
    feed: list[ActivityItem]
    scope: str  # "Figures and activity: Khatlon", shown with the figures
    past: LayersAt  # the layers at the moment shown (live, or rewound)


def default_rules(cache: VersionedCache, *, version: int, on: datetime) -> CapacityRules:
    """The capacity rules every screen uses unless the user chose others (on /capacity)."""
    return CapacityRules(standards_for(cache, version), on=on.date())


def build_headline(
    cache: VersionedCache,
    *,
    version: int,
    moment: datetime,
    now: datetime,
    region: str | None,
    feed_limit: int,
) -> Headline:
    """Figures and feed as of `moment` (the past is rewound; `now` is the clock), for region
    `region` (an ADM1 code) or the whole country."""
    store = cache.store
    past = layers_at(cache, layers.OPERATIONAL, version=version, moment=moment, now=now)
    frames = past.frames
    audit = cache.get(
        ("audit", AUDIT_READ), lambda: store.audit_log(limit=AUDIT_READ), version=version
    )
    scope = _("Figures and activity: all Tajikistan")
    if region:
        regions = cache.read_layers(["regions"], version=version)["regions"]
        frames = features_in_region(frames, regions, region)
        audit = changes_to_features(audit, frames)
        match = regions[regions["adm1_iso"] == region]
        name = localised(match.iloc[0], "name_short") if not match.empty else region
        scope = _("Figures and activity: {region} only").format(region=name)
    rules = default_rules(cache, version=version, on=moment)
    kpis = compute_kpis(frames, now=moment, rules=rules)
    feed = latest_activity(
        frames["incidents"],
        audit,
        now=moment,
        limit=feed_limit,
        names=feature_names(past.frames),  # "Kyzyl-Art", not "TJ-BCP-09"
    )
    return Headline(kpis=kpis, feed=feed, scope=scope, past=past)
