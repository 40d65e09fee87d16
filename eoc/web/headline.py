"""The headline figures and the activity feed of a screen, for the whole country or one region.

`/` and `/wall` both show them; both come here, so a region filter narrows the figures and
the feed alike and the two screens never disagree. Residents exposed are counted from the
population grid once per store version and set of zones in force (a poll at the same
version reuses them), nationally, then cut to the region shown.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import geopandas as gpd
import pandas as pd
import shapely

import layers
from eoc.analysis.activity import (
    ActivityItem,
    changes_to_features,
    feature_names,
    latest_activity,
)
from eoc.analysis.capacity import CapacityRules
from eoc.analysis.kpis import (
    Kpis,
    active_hazard_zones,
    compute_kpis,
    exposure_in_region,
    resident_exposure,
)
from eoc.analysis.regions import features_in_region
from eoc.i18n import _, localised, place_name, spells_names
from eoc.io.raster import grid_file_in_use, open_grid
from eoc.reports.coverage import residents_basis
from eoc.reports.wording import sentence
from eoc.web.cache import VersionedCache
from eoc.web.components.capacity_settings import standards_for
from eoc.web.past import LayersAt, layers_at

AUDIT_READ = 60  # audit entries read for the feed (account entries are dropped from these)
RESIDENT_LAYERS = ("population_grids", "places", "districts", "regions")


@dataclass(frozen=True)
class Headline:
    kpis: Kpis
    feed: list[ActivityItem]
    scope: str  # "Figures and activity: Khatlon", shown with the figures
    past: LayersAt  # the layers at the moment shown (live, or rewound)
    residents_note: str = ""  # what "residents exposed" is counted from, in one line

    @property
    def notes(self) -> dict[str, str]:
        """Second lines of the tiles, by figure (`build_kpi_tiles`)."""
        return {"residents_exposed": self.residents_note}


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
    residents, note = residents_in_zones(cache, past.frames, version=version, moment=moment)
    if region:
        residents = exposure_in_region(residents, region)
    kpis = compute_kpis(frames, now=moment, rules=rules, residents=residents)
    feed = latest_activity(
        frames["incidents"],
        audit,
        now=moment,
        limit=feed_limit,
        names=shown_names(past.frames),  # "Kyzyl-Art" (or "Қизиларт"), not "TJ-BCP-09"
    )
    return Headline(kpis=kpis, feed=feed, scope=scope, past=past, residents_note=note)


def shown_names(frames: dict[str, gpd.GeoDataFrame]) -> dict[tuple[str, str], str]:
    """`feature_names`, with the features of layers that spell their names (checkpoints)
    named as the page's language writes them."""
    names = feature_names(frames)
    for layer, gdf in frames.items():
        spec = layers.REGISTRY.get(layer)
        if spec is None or not spells_names(spec.field_names) or spec.id_field not in gdf.columns:
            continue
        for row in gdf.itertuples(index=False):
            key = (layer, str(getattr(row, spec.id_field)))
            if key in names:  # a feature with a name at all
                names[key] = place_name(row)
    return names


def residents_in_zones(
    cache: VersionedCache,
    frames: dict[str, gpd.GeoDataFrame],
    *,
    version: int,
    moment: datetime,
) -> tuple[pd.DataFrame, str]:
    """The national rows of `resident_exposure` for the zones of `frames` in force at
    `moment`, and the line saying what they are counted from (the sitrep's method note)."""
    context = cache.read_layers(RESIDENT_LAYERS, version=version)
    grid_file = grid_file_in_use(cache.store, context["population_grids"])
    basis = residents_basis(context["population_grids"], grid_file)
    zones = active_hazard_zones(frames["hazard_zones"], at=moment)

    def compute() -> pd.DataFrame:
        found = dict(places=context["places"], districts=context["districts"])
        if grid_file is None:
            return resident_exposure(zones, regions=context["regions"], **found)
        with open_grid(grid_file) as grid:
            return resident_exposure(zones, grid=grid, **found)

    rows = cache.get(("residents", zones_key(zones)), compute, version=version)
    return rows, sentence(basis.short)


def zones_key(zones: gpd.GeoDataFrame) -> str:
    """What identifies a set of zones for their residents: ids, kinds and shapes (a rewound
    zone may differ from the stored one)."""
    digest = hashlib.sha256()
    fields = zones[["zone_id", "hazard_type", "severity", "mmi"]].astype("string").fillna("")
    for values, wkb in zip(
        fields.itertuples(index=False), shapely.to_wkb(zones.geometry.array), strict=True
    ):
        digest.update("\0".join(values).encode() + b"\0" + wkb)
    return digest.hexdigest()
