"""Hold the operational seed layers to the truth of the map.

The operational layers (displacement sites, hazard zones, border checkpoints, infrastructure
projects, roads) are an illustrative scenario, but they are built on real places and real
boundaries: every point must lie in the region and district it names, every land border
crossing on the border with the country it names, and so on.
"""

import json
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Point

SEED = Path(__file__).parents[2] / "data" / "seed"
SHARED = Path("/work/shared/data")
METRIC = 32642  # UTM 42N, as used for all lengths in the seed data
SCENARIO_NOW = datetime(2026, 11, 22, tzinfo=UTC)

POINT_LAYERS = ("displacement_sites", "infrastructure_projects", "border_checkpoints", "incidents")
ID_FIELDS = {
    "displacement_sites": "site_id",
    "hazard_zones": "zone_id",
    "border_checkpoints": "checkpoint_id",
    "infrastructure_projects": "project_id",
    "roads": "road_id",
    "incidents": "incident_id",
}
TRAINING = "border_guard_training_centre"
COMMUNITY_CATEGORIES = {
    "market",
    "cold_storage",
    "electricity_supply",
    "school",
    "irrigation_channel",
    "drinking_water",
    "medical_point",
    "toilet_block",
    "riverbank_reinforcement",
}


def context_path(name: str) -> Path:
    """A context file (boundaries, places, border) from data/seed, else the shared copy."""
    local = SEED / name
    return local if local.exists() else SHARED / name


def layer_path(name: str) -> Path:
    return SEED / f"{name}.geojson"


def raw_features(name: str) -> list[dict]:
    """Features read with plain json (used at collection time for parametrisation)."""
    return json.loads(layer_path(name).read_text(encoding="utf-8"))["features"]


def parse_utc(value: str) -> datetime:
    assert value.endswith("Z"), value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def adm0():
    return gpd.read_file(context_path("tj_adm0.geojson")).geometry.union_all()


@pytest.fixture(scope="module")
def adm1():
    return gpd.read_file(context_path("tj_adm1.geojson")).set_index("adm1_iso").geometry


@pytest.fixture(scope="module")
def adm2():
    gdf = gpd.read_file(context_path("tj_adm2.geojson"))
    return {(r.adm1_iso, r.adm2_name): r.geometry for r in gdf.itertuples()}


@pytest.fixture(scope="module")
def border():
    gdf = gpd.read_file(context_path("tj_border.geojson")).to_crs(METRIC)
    return dict(zip(gdf.neighbour_iso3, gdf.geometry, strict=True))


@pytest.fixture(scope="module")
def places():
    return gpd.read_file(context_path("tj_places.geojson"))


def read(name: str) -> gpd.GeoDataFrame:
    return gpd.read_file(layer_path(name))


# --- all layers -------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ID_FIELDS))
def test_ids_unique_and_present(name):
    ids = [f["properties"][ID_FIELDS[name]] for f in raw_features(name)]
    assert all(isinstance(i, str) and i for i in ids)
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"duplicate ids in {name}: {duplicates}"


@pytest.mark.parametrize("name", sorted(ID_FIELDS))
def test_geojson_is_plain_wgs84_rounded(name):
    doc = json.loads(layer_path(name).read_text(encoding="utf-8"))
    assert "crs" not in doc
    coords = shapely.get_coordinates(
        shapely.from_geojson([json.dumps(f["geometry"]) for f in doc["features"]])
    )
    assert ((coords[:, 0] > 67) & (coords[:, 0] < 75.5)).all()
    assert ((coords[:, 1] > 36.5) & (coords[:, 1] < 41.5)).all()
    assert (abs(coords * 1e5 - (coords * 1e5).round()) < 1e-6).all(), "not rounded to 5 decimals"


# --- points lie where they say they are -------------------------------------------------


@pytest.mark.parametrize("name", POINT_LAYERS)
def test_points_inside_country_region_and_district(name, adm0, adm1, adm2):
    gdf = read(name)
    id_field = ID_FIELDS[name]
    wrong = []
    for row in gdf.itertuples():
        p = row.geometry
        if not adm0.contains(p):
            wrong.append(f"{getattr(row, id_field)} outside Tajikistan")
        elif row.adm1_iso not in adm1.index or not adm1[row.adm1_iso].contains(p):
            wrong.append(f"{getattr(row, id_field)} not in region {row.adm1_iso}")
        elif (row.adm1_iso, row.adm2_name) not in adm2:
            wrong.append(f"{getattr(row, id_field)}: no district {row.adm2_name} in {row.adm1_iso}")
        elif not adm2[(row.adm1_iso, row.adm2_name)].contains(p):
            wrong.append(f"{getattr(row, id_field)} not in district {row.adm2_name}")
    assert not wrong, wrong


# --- border checkpoints -----------------------------------------------------------------

LAND_CROSSINGS = [
    f["properties"]["checkpoint_id"]
    for f in raw_features("border_checkpoints")
    if f["properties"]["checkpoint_type"] != "air"
]


@pytest.mark.parametrize("checkpoint_id", LAND_CROSSINGS)
def test_land_crossing_on_the_border_with_the_named_country(checkpoint_id, border):
    gdf = read("border_checkpoints").set_index("checkpoint_id").to_crs(METRIC)
    row = gdf.loc[checkpoint_id]
    assert row.border_country in border, f"unknown border_country {row.border_country}"
    distances = {iso3: line.distance(row.geometry) for iso3, line in border.items()}
    assert distances[row.border_country] <= 3000, (
        f"{row['name']} is {distances[row.border_country] / 1000:.1f} km from the "
        f"{row.border_country} border"
    )
    nearest = min(distances, key=distances.get)
    assert nearest == row.border_country, f"{row['name']} is nearest the {nearest} border"


def test_air_checkpoints_have_no_border_country():
    gdf = read("border_checkpoints")
    air = gdf[gdf.checkpoint_type == "air"]
    assert len(air) >= 1
    assert air.border_country.isna().all()
    assert set(gdf.checkpoint_type) <= {"road", "bridge", "rail", "air"}
    assert set(gdf.status) <= {"open", "restricted", "closed"}


def test_every_neighbour_has_a_crossing():
    gdf = read("border_checkpoints")
    assert {"AFG", "UZB", "KGZ", "CHN"} <= set(gdf.border_country.dropna())


# --- infrastructure projects ------------------------------------------------------------


def test_21_completed_community_projects():
    gdf = read("infrastructure_projects")
    done = gdf[(gdf.category != TRAINING) & (gdf.status == "completed")]
    assert len(done) == 21
    assert 20_000 <= done.beneficiaries.sum() <= 22_000, done.beneficiaries.sum()
    assert set(done.adm1_iso) <= {"TJ-GB", "TJ-KT"}
    assert set(done.category) == COMMUNITY_CATEGORIES
    assert done.year.between(2016, 2026).all()
    assert (gdf.implementing_partner == "IOM").all()


def test_border_guard_training_centres():
    gdf = read("infrastructure_projects")
    centres = gdf[gdf.category == TRAINING]
    assert len(centres) == 3
    assert set(centres.adm2_name) == {"Dushanbe", "Shughnon District", "Panj District"}
    assert (centres.status == "completed").all()
    assert centres.beneficiaries.between(50, 1000).all()


# --- displacement sites -----------------------------------------------------------------


def test_displacement_sites_overall_shape():
    gdf = read("displacement_sites")
    assert len(gdf) >= 40
    assert set(gdf.adm1_iso) == {"TJ-DU", "TJ-GB", "TJ-KT", "TJ-RA", "TJ-SU"}
    assert (gdf.individuals > gdf.capacity).sum() >= 3
    assert (gdf.individuals >= 0).all() and (gdf.capacity >= 0).all()
    assert set(gdf.status) <= {"open", "closing", "closed", "planned"}
    assert (gdf[gdf.status == "closed"].individuals == 0).all()


def test_some_sites_congested_and_some_not():
    gdf = read("displacement_sites")
    lived = gdf[(gdf.individuals > 0) & gdf.site_area_m2.notna()]
    per_person = lived.site_area_m2 / lived.individuals
    assert (per_person < 45).sum() >= 3, "no site below the Sphere 45 m² per person"
    assert (per_person >= 45).sum() >= 10


def test_exactly_two_protection_shelters(places):
    gdf = read("displacement_sites")
    shelters = gdf[gdf.site_type == "protection_shelter"]
    assert len(shelters) == 2
    assert shelters.sensitive.all()
    assert not gdf[gdf.site_type != "protection_shelter"].sensitive.any()
    assert sorted(shelters.adm2_name) == ["Dushanbe", "Ghafurov District"]
    buston = places[(places.name == "Buston") & (places.adm2_name == "Ghafurov District")]
    assert len(buston) == 1
    sughd = shelters[shelters.adm2_name == "Ghafurov District"].to_crs(METRIC).geometry.iloc[0]
    assert buston.to_crs(METRIC).geometry.iloc[0].distance(sughd) < 3000
    # only approximate locations are published for shelters: 2-decimal coordinates
    for p in shelters.geometry:
        assert round(p.x, 2) == p.x and round(p.y, 2) == p.y


# --- hazard zones -----------------------------------------------------------------------


def test_hazard_polygons_valid_and_ccw():
    gdf = read("hazard_zones")
    assert set(gdf.geom_type) <= {"Polygon", "MultiPolygon"}
    for row in gdf.itertuples():
        g = row.geometry
        assert g.is_valid and not g.is_empty, row.zone_id
        parts = g.geoms if g.geom_type == "MultiPolygon" else [g]
        for part in parts:
            assert part.exterior.is_ccw, f"{row.zone_id} exterior ring is clockwise"
        assert 8 <= len(shapely.get_coordinates(g)) <= 200, row.zone_id


def test_each_hazard_type_present_and_mmi_only_for_earthquakes():
    gdf = read("hazard_zones")
    assert set(gdf.hazard_type) == {"earthquake", "mudflow", "flood", "avalanche", "landslide"}
    quakes = gdf[gdf.hazard_type == "earthquake"]
    assert quakes.mmi.notna().all()
    assert gdf[gdf.hazard_type != "earthquake"].mmi.isna().all()
    assert set(gdf.severity) <= {"low", "moderate", "high", "very_high"}


def test_earthquake_bands_do_not_overlap_and_lie_in_tajikistan(adm0):
    gdf = read("hazard_zones")
    quakes = gdf[gdf.hazard_type == "earthquake"].to_crs(METRIC)
    assert sorted(quakes.mmi) == [6.0, 7.0, 8.0]
    for a, b in combinations(quakes.geometry, 2):
        assert a.intersection(b).area < 1e4  # < 0.01 km² of rounding slivers
    country = gpd.GeoSeries([adm0], crs=4326).to_crs(METRIC).iloc[0].buffer(1000)
    for g in quakes.geometry:
        assert g.difference(country).area < 1e6
    # the core contains the epicentre of the 2015 Sarez earthquake
    core = gdf[(gdf.hazard_type == "earthquake") & (gdf.mmi == 8.0)].geometry.iloc[0]
    assert core.contains(Point(72.78, 38.21))


def test_hazard_validity_times():
    # read the raw strings: GeoJSON readers may turn them into timestamps
    zones = [f["properties"] for f in raw_features("hazard_zones")]
    for z in zones:
        start = parse_utc(z["valid_from"])
        if z["valid_to"] is not None:
            assert parse_utc(z["valid_to"]) > start, z["zone_id"]
    floods = [z for z in zones if z["hazard_type"] == "flood"]
    active = [
        z
        for z in floods
        if parse_utc(z["valid_from"]) <= SCENARIO_NOW
        and (z["valid_to"] is None or parse_utc(z["valid_to"]) > SCENARIO_NOW)
    ]
    expired = [z for z in floods if z["valid_to"] and parse_utc(z["valid_to"]) < SCENARIO_NOW]
    assert active and expired
    quakes = [z for z in zones if z["hazard_type"] == "earthquake"]
    assert all(z["valid_to"] is None for z in quakes)


# --- roads ------------------------------------------------------------------------------


def test_roads_connect_real_places(places):
    roads = read("roads").to_crs(METRIC)
    anchors = list(places.to_crs(METRIC).geometry)
    anchors += list(read("border_checkpoints").to_crs(METRIC).geometry)
    ends = [(r.road_id, Point(r.geometry.coords[i])) for r in roads.itertuples() for i in (0, -1)]
    loose = []
    for road_id, end in ends:
        near_place = any(end.distance(a) <= 2000 for a in anchors)
        near_road = any(end.distance(e) <= 2000 for rid, e in ends if rid != road_id)
        if not (near_place or near_road):
            loose.append((road_id, round(end.x), round(end.y)))
    assert not loose, loose


def test_road_lengths_and_flags():
    roads = read("roads")
    metric = roads.to_crs(METRIC)
    assert (roads.schematic == True).all()  # noqa: E712
    drawn = (metric.length / 1000).round(1)
    assert (abs(drawn - roads.length_km_schematic) <= 0.15).all()
    published = roads.dropna(subset=["length_km_published"])
    ratio = published.length_km_schematic / published.length_km_published
    assert ratio.between(0.5, 1.05).all(), "a drawn link is longer than or far from its road"
    assert set(roads.surface.dropna()) <= {"paved", "gravel", "mixed"}
