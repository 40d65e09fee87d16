"""The public view: a whitelist of fields, no sensitive rows, rounded people and places."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import Point, Polygon

import layers
from eoc.errors import PublicationError
from eoc.publish import (
    POPULATION_FIELDS,
    SMALL_SITE_PEOPLE,
    public_layers,
    public_tooltip,
    public_view,
    round_population,
)
from layers import Field, LayerSpec

SITES = layers.get("displacement_sites")
CHECKPOINTS = layers.get("border_checkpoints")
SAFE_HOUSES = LayerSpec(
    name="safe_houses",
    title="Safe houses",
    geometry="Point",
    id_field="house_id",
    fields=(Field("house_id", required=True, public=True), Field("name", public=True)),
    seed_file="safe_houses.geojson",
    sensitive=True,
)


def site(site_id: str, lon: float, lat: float, **values: object) -> dict:
    """One displacement site row with every field of the spec set."""
    row = {
        "site_id": site_id,
        "name": f"Site {site_id}",
        "site_type": "collective_centre",
        "adm1_iso": "TJ-GB",
        "adm2_name": "Shughnon District",
        "households": 41,
        "individuals": 420,
        "capacity": 455,
        "site_area_m2": 12404.5,
        "covered_area_m2": 1333.2,
        "latrines": 7,
        "water_points": 1,
        "status": "open",
        "managing_agency": "CoES",
        "last_assessment": pd.Timestamp("2026-11-19", tz="UTC"),
        "sensitive": False,
        "geometry": Point(lon, lat),
    }
    return row | values


def sites_frame(*rows: dict, crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(list(rows), geometry="geometry", crs=crs)
    return layers.conform(gdf, SITES)


@pytest.fixture
def sites_near_khorog() -> gpd.GeoDataFrame:
    """Two open sites, a small one and a big one, and a protection shelter between them."""
    return sites_frame(
        site("TJ-DS-0001", 71.56027, 37.49385, individuals=420),
        site("TJ-DS-0006", 71.73614, 37.54036, individuals=143, households=24, capacity=84),
        site(
            "TJ-DS-0099",
            71.55512,
            37.48811,
            name="Protection shelter (Khorog)",
            site_type="protection_shelter",
            individuals=17,
            sensitive=True,
        ),
    )


def test_only_public_fields_and_the_geometry_are_kept(sites_near_khorog):
    public = public_view(sites_near_khorog, SITES)
    assert list(public.columns) == [*SITES.public_fields, "geometry"]
    for hidden in (
        "site_id",
        "households",
        "latrines",
        "water_points",
        "site_area_m2",
        "sensitive",
    ):
        assert hidden not in public.columns


def test_sensitive_rows_are_dropped_entirely(sites_near_khorog):
    public = public_view(sites_near_khorog, SITES)
    assert list(public["name"]) == ["Site TJ-DS-0001", "Site TJ-DS-0006"]
    assert "site_id" not in public.columns  # ids would show gaps where rows are hidden
    assert "protection_shelter" not in set(public["site_type"])
    # The index is renumbered, so it does not show where a dropped row was.
    assert list(public.index) == [0, 1]


@pytest.mark.parametrize(
    ("flag", "published"),
    [(False, True), (True, False), (None, False)],
    ids=["not-sensitive", "sensitive", "unknown-counts-as-sensitive"],
)
def test_a_row_is_published_only_when_marked_not_sensitive(flag, published):
    gdf = sites_frame(site("TJ-DS-0001", 71.56, 37.49, sensitive=flag))
    assert len(public_view(gdf, SITES)) == int(published)


@pytest.mark.parametrize(
    ("people", "shown"),
    [
        (0, 0),
        (4, 0),
        (5, 10),
        (14, 10),
        (15, 20),
        (25, 30),  # half-up, not banker's rounding
        (143, 140),
        (195, 200),
        (1449, 1450),
        (1800, 1800),
        (None, None),
    ],
)
def test_people_are_rounded_to_the_nearest_ten(people, shown):
    gdf = sites_frame(site("TJ-DS-0001", 71.56, 37.49, individuals=people, capacity=people))
    public = public_view(gdf, SITES)
    for name in ("individuals", "capacity"):
        value = public[name].iloc[0]
        assert (value is pd.NA) if shown is None else (value == shown)


def test_population_fields_are_the_counts_of_people():
    assert {"individuals", "households", "capacity", "beneficiaries"} <= POPULATION_FIELDS
    rounded = round_population(pd.Series([1354, 1355, None], dtype="Int64"))
    assert rounded.tolist() == [1350, 1360, pd.NA]


@pytest.mark.parametrize(
    ("people", "lon", "lat", "shown"),
    [
        # Small sites (< SMALL_SITE_PEOPLE people): a 0.01° grid, about 1 km.
        (143, 71.73614, 37.54036, (71.74, 37.54)),
        (SMALL_SITE_PEOPLE - 1, 68.82235, 38.7791, (68.82, 38.78)),
        (0, 71.55627, 37.47591, (71.56, 37.48)),
        (None, 70.43837, 40.29856, (70.44, 40.30)),  # unknown head count: treated as small
        # Other sites: 0.001°, about 100 m.
        (SMALL_SITE_PEOPLE, 71.73614, 37.54036, (71.736, 37.540)),
        (1450, 69.12732, 37.25254, (69.127, 37.253)),
    ],
)
def test_small_sites_are_shown_within_about_a_kilometre(people, lon, lat, shown):
    gdf = sites_frame(site("TJ-DS-0001", lon, lat, individuals=people))
    point = public_view(gdf, SITES).geometry.iloc[0]
    assert (point.x, point.y) == pytest.approx(shown, abs=1e-9)


def test_other_layers_are_rounded_to_about_100_m(seed_frames):
    checkpoints = seed_frames["border_checkpoints"]
    public = public_view(checkpoints, CHECKPOINTS)
    assert list(public.columns) == ["name", "name_tg", "name_ru", "status", "geometry"]
    for raw, shown in zip(checkpoints.geometry, public.geometry, strict=True):
        assert shown.x == pytest.approx(round(raw.x, 3), abs=1e-9)
        assert shown.y == pytest.approx(round(raw.y, 3), abs=1e-9)


def test_polygons_stay_valid_after_rounding(seed_frames):
    public = public_view(seed_frames["hazard_zones"], layers.get("hazard_zones"))
    assert len(public) == len(seed_frames["hazard_zones"])
    assert public.geometry.is_valid.all()
    assert not public.geometry.is_empty.any()


def test_a_frame_in_another_crs_is_published_in_wgs84():
    utm = sites_frame(site("TJ-DS-0001", 71.56027, 37.49385)).to_crs("EPSG:32642")
    point = public_view(utm, SITES).geometry.iloc[0]
    assert (point.x, point.y) == pytest.approx((71.560, 37.494), abs=1e-9)


def test_a_sensitive_layer_has_no_public_view():
    houses = gpd.GeoDataFrame(
        {"house_id": ["H1"], "name": ["Safe house"]}, geometry=[Point(68.8, 38.5)], crs=4326
    )
    assert public_view(houses, SAFE_HOUSES) is None


def test_a_frame_without_a_crs_is_refused():
    gdf = sites_frame(site("TJ-DS-0001", 71.56, 37.49)).set_crs(None, allow_override=True)
    with pytest.raises(PublicationError, match="no coordinate system"):
        public_view(gdf, SITES)


def test_a_frame_without_the_sensitive_column_is_refused(sites_near_khorog):
    with pytest.raises(PublicationError, match="'sensitive' column"):
        public_view(sites_near_khorog.drop(columns="sensitive"), SITES)


def test_the_input_frame_is_not_changed(sites_near_khorog):
    before = sites_near_khorog.copy()
    public_view(sites_near_khorog, SITES)
    assert_geodataframe_equal(sites_near_khorog, before)


def test_public_layers_redacts_every_seed_layer(seed_frames):
    public = public_layers(seed_frames)
    assert set(public) == set(layers.REGISTRY)  # no registered layer is sensitive as a whole
    sites = public["displacement_sites"]
    shelters = seed_frames["displacement_sites"]["sensitive"].sum()
    assert shelters == 2
    assert len(sites) == len(seed_frames["displacement_sites"]) - shelters
    assert not sites["name"].str.contains("Protection shelter").any()
    for name, gdf in public.items():
        assert list(gdf.columns) == [*layers.get(name).public_fields, "geometry"]


def test_public_layers_refuses_an_unknown_layer(seed_frames):
    with pytest.raises(layers.UnknownLayerError):
        public_layers({"safe_houses": seed_frames["displacement_sites"]})


@pytest.mark.parametrize(
    ("name", "tooltip"),
    [
        ("border_checkpoints", ("name", "status", "name_tg", "name_ru")),
        ("displacement_sites", (*SITES.tooltip, "adm1_iso")),
        ("safe_houses", ("house_id", "name")),  # no tooltip: the public fields in spec order
    ],
)
def test_public_tooltips_name_every_public_field_and_nothing_else(name, tooltip):
    spec = SAFE_HOUSES if name == "safe_houses" else layers.get(name)
    assert public_tooltip(spec) == tooltip
    assert sorted(public_tooltip(spec)) == sorted(spec.public_fields)


def test_a_polygon_layer_keeps_its_area_roughly():
    spec = layers.get("hazard_zones")
    square = Polygon([(71.0, 37.0), (71.1234, 37.0), (71.1234, 37.1234), (71.0, 37.1234)])
    zones = gpd.GeoDataFrame(
        {
            "zone_id": ["Z1"],
            "name": ["Zone"],
            "hazard_type": ["flood"],
            "severity": ["high"],
            "source": ["test"],
            "valid_from": [pd.Timestamp("2026-11-20", tz="UTC")],
        },
        geometry=[square],
        crs="EPSG:4326",
    )
    shown = public_view(zones, spec).geometry.iloc[0]
    assert shown.bounds == pytest.approx((71.0, 37.0, 71.123, 37.123), abs=1e-9)
