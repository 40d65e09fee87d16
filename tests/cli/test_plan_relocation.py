"""`eoc plan-relocation`: the page's planner on the command line; it writes a CSV, not the store."""

from __future__ import annotations

import csv
import shutil

import pytest

from eoc.cli import main
from eoc.store import GeoPackageStore

AS_OF = "2026-11-22T09:00Z"


@pytest.fixture
def store(seed_store, tmp_path) -> GeoPackageStore:
    copy = GeoPackageStore(tmp_path / "plan.gpkg")
    shutil.copyfile(seed_store.path, copy.path)
    return copy


def plan(store, tmp_path, *args: str) -> tuple[int, list[dict]]:
    out = tmp_path / "plan.csv"
    code = main(
        ["plan-relocation", *args, "--out", str(out), "--store", store.location, "--as-of", AS_OF]
    )
    rows = list(csv.DictReader(out.open(encoding="utf-8"))) if out.exists() else []
    return code, rows


def test_a_zone_plan_writes_the_moves_and_prints_warnings_changing_nothing(store, tmp_path, capsys):
    version = store.version()
    sites_before = store.read_layer("displacement_sites")["individuals"].tolist()
    code, rows = plan(store, tmp_path, "--zone", "TJ-HZ-006", "--people", "3000")
    assert code == 0
    moves = [r for r in rows if r["kind"] == "move"]
    assert moves and {"origin_name", "site_name", "people", "distance_km"} <= set(moves[0])
    placed = sum(int(r["people"]) for r in moves)
    unplaced = sum(int(r["people"]) for r in rows if r["kind"] == "not placed")
    assert placed + unplaced == 3000
    assert all(float(r["distance_km"]) <= 250 for r in moves)  # the default maximum
    out = capsys.readouterr().out
    assert f"{placed:,} of 3,000 people placed" in out
    # Who was not placed, and what each rule held back (issue 12: the seed's open sites in
    # reach are nearly full; the Kulob stadium is only planned, Chubek closed).
    assert "NOT PLACED: 2,720 of 3,000 people." in out
    assert "  - 2,720 people from Panji Poyon could not be placed" in out
    assert (
        "  - 1,658 free places in sites within reach whose status is not chosen: Kulob stadium "
        "planned site (planned, 1,350), Chubek host community (closed, 253)"
    ) in out
    assert "inside active hazard zones: Varzob gorge rockfall evacuees (12)" in out
    assert "kept free by the 90 % fill limit" in out
    assert "are split over" in out
    assert store.version() == version, "planning must not write"
    assert store.read_layer("displacement_sites")["individuals"].tolist() == sites_before


def test_villages_by_name_and_the_rules_on_the_command_line(store, tmp_path, capsys):
    code, rows = plan(
        store, tmp_path, "--villages", "vanj", "--people", "100", "--statuses", "open,planned",
        "--penalise-closed-roads", "--fill-limit", "100", "--max-km", "400",
    )  # fmt: skip
    assert code == 0
    assert {r["origin_name"] for r in rows} == {"Vanj"}
    assert sum(int(r["people"]) for r in rows if r["kind"] == "move") == 100
    assert "closed road" in capsys.readouterr().out  # Vanj is cut off: only closed roads lead out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--villages", "Atlantis"], "no village named Atlantis"),
        (["--zone", "TJ-HZ-006", "--fill-limit", "120"], "fill limit"),
        (["--zone", "TJ-HZ-006", "--statuses", "sunny"], "site status"),
    ],
)
def test_bad_requests_say_what_to_fix(store, tmp_path, capsys, args, says):
    code, _rows = plan(store, tmp_path, *args)
    assert code == 1 and says in capsys.readouterr().err


def test_who_moves_is_required(store, tmp_path):
    with pytest.raises(SystemExit):
        main(["plan-relocation", "--out", str(tmp_path / "x.csv"), "--store", store.location])
