"""validate() finds every problem at once and names the row and the field."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, Polygon

import layers
from layers import Field, LayerSpec, validate

SITES = layers.get("displacement_sites")


def site(**overrides) -> dict:
    row = {
        "site_id": "TJ-DS-0007",
        "name": "Khorog School No. 3",
        "site_type": "collective_centre",
        "adm1_iso": "TJ-GB",
        "adm2_name": "Shughnon District",
        "households": 40,
        "individuals": 210,
        "capacity": 250,
        "site_area_m2": 9000.0,
        "covered_area_m2": 800.0,
        "latrines": 8,
        "water_points": 2,
        "status": "open",
        "managing_agency": "CoES",
        "last_assessment": "2026-11-14",
        "sensitive": False,
        "geometry": Point(71.553, 37.49),
    }
    row.update(overrides)
    return row


def frame(*rows: dict, crs="EPSG:4326") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(list(rows), geometry="geometry", crs=crs)


def messages(gdf: gpd.GeoDataFrame, spec: LayerSpec = SITES) -> list[str]:
    return [str(p) for p in validate(gdf, spec)]


def test_a_good_site_has_no_problems():
    assert validate(frame(site()), SITES) == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"individuals": -5}, "site TJ-DS-0007: individuals -5 is below 0"),
        ({"individuals": 12.5}, "site TJ-DS-0007: individuals 12.5 is not a whole number"),
        ({"capacity": "many"}, "site TJ-DS-0007: capacity 'many' is not a whole number"),
        (
            {"status": "full"},
            "site TJ-DS-0007: status 'full' is not one of: open, closing, closed, planned",
        ),
        ({"name": None}, "site TJ-DS-0007: name is empty but required"),
        ({"name": "   "}, "site TJ-DS-0007: name is empty but required"),
        (
            {"adm1_iso": "TJ-XX"},
            "site TJ-DS-0007: adm1_iso 'TJ-XX' is not one of: TJ-DU, TJ-GB, TJ-KT, TJ-RA, TJ-SU",
        ),
        (
            {"last_assessment": "14 Smarch"},
            "site TJ-DS-0007: last_assessment '14 Smarch' is not a date (YYYY-MM-DD)",
        ),
        ({"sensitive": "perhaps"}, "site TJ-DS-0007: sensitive 'perhaps' is not true or false"),
        ({"geometry": None}, "site TJ-DS-0007: has no location (empty geometry)"),
        (
            {"geometry": LineString([(71, 37), (72, 38)])},
            "site TJ-DS-0007: geometry is a LineString, expected a Point",
        ),
        (
            {"geometry": Point(371.5, 37.5)},
            "site TJ-DS-0007: coordinates are outside longitude -180..180 / latitude -90..90",
        ),
    ],
)
def test_one_bad_value_gives_one_plain_message(overrides, expected):
    assert messages(frame(site(**overrides))) == [expected]


def test_every_problem_of_every_row_is_reported_at_once():
    gdf = frame(
        site(site_id="TJ-DS-0001", individuals=-5, status="full"),
        site(site_id="TJ-DS-0002"),
        site(site_id="TJ-DS-0003", capacity=-1),
    )
    problems = validate(gdf, SITES)
    assert [(p.feature_id, p.field, p.row) for p in problems] == [
        ("TJ-DS-0001", "individuals", 0),
        ("TJ-DS-0001", "status", 0),
        ("TJ-DS-0003", "capacity", 2),
    ]


def test_a_duplicate_id_is_named():
    gdf = frame(site(), site())
    assert messages(gdf) == ["site TJ-DS-0007: site_id TJ-DS-0007 appears more than once"]


def test_a_row_without_id_is_named_by_its_row_number():
    assert messages(frame(site(), site(site_id=None))) == [
        "site in row 2: site_id is empty but required"
    ]


def test_a_missing_required_column_is_a_layer_problem():
    gdf = frame(site()).drop(columns=["capacity"])
    assert messages(gdf) == ["layer displacement_sites: the required field 'capacity' is missing"]


def test_coordinates_in_another_crs_are_refused():
    gdf = frame(site()).set_crs(32642, allow_override=True)
    assert messages(gdf) == [
        "layer displacement_sites: coordinates are in EPSG:32642, expected WGS 84 (EPSG:4326)"
    ]


def test_an_invalid_polygon_is_reported():
    bowtie = Polygon([(70, 37), (71, 38), (71, 37), (70, 38), (70, 37)])
    zone = {
        "zone_id": "TJ-HZ-900",
        "name": "Bow tie",
        "hazard_type": "flood",
        "severity": "high",
        "source": "test",
        "valid_from": "2026-11-01T00:00:00Z",
        "geometry": bowtie,
    }
    assert messages(frame(zone), layers.get("hazard_zones")) == [
        "hazard zone TJ-HZ-900: geometry is not valid (self-intersecting or broken ring)"
    ]


def test_a_spec_refuses_a_tooltip_field_it_does_not_have():
    with pytest.raises(ValueError, match="'missing' is not one of its fields"):
        LayerSpec(
            name="x",
            title="X",
            geometry="Point",
            id_field="id",
            fields=(Field("id"),),
            seed_file="x.geojson",
            tooltip=("missing",),
        )


def test_conform_types_the_fields_and_drops_extra_columns():
    gdf = frame(site(extra="dropped", individuals="210", sensitive="true"))
    typed = layers.conform(gdf, SITES)
    assert list(typed.columns) == [*SITES.field_names, "geometry"]
    assert typed.loc[0, "individuals"] == 210
    assert bool(typed.loc[0, "sensitive"]) is True
    assert str(typed["last_assessment"].dtype) == "datetime64[ms, UTC]"


def test_a_protection_shelter_not_marked_sensitive_is_refused():
    shelter = site(site_type="protection_shelter", sensitive=False)
    assert messages(frame(shelter)) == [
        "site TJ-DS-0007: a protection_shelter must be marked sensitive "
        "(it must never reach a public page)"
    ]
    assert messages(frame(site(site_type="protection_shelter", sensitive=True))) == []
