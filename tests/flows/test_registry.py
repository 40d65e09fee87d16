"""The flow-monitoring registry: all-or-nothing import, audited writes, HXL, both stores."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest

from eoc.cli import main
from eoc.flows.importer import FlowImportError, read_flow_file
from eoc.flows.registry import enter_count, hxl_table, import_counts, read_counts
from eoc.flows.seed import load_seed_flows
from eoc.flows.values import FlowCount
from eoc.store.geopackage import GeoPackageStore
from eoc.write_tokens import ReplayedWriteError, WriteTokens
from tests.conftest import pg_schema_url

NOW = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
SEED = Path(__file__).resolve().parents[2] / "data" / "seed"
RUSSIAN_CSV = (
    "Дата;Пункт;Направление;Категория;Пол;Возраст;Количество\n"
    "21.11.2026;TJ-BCP-01;Въезд;Беженцы;Ж;18-59;12\n"
    "22.11.2026;TJ-BCP-01;въезд;беженцы;М;5-17;7\n"
)


def write(tmp_path: Path, text: str, name: str = "flows.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_russian_columns_and_labels_become_codes(tmp_path):
    counts = read_flow_file(write(tmp_path, RUSSIAN_CSV))
    assert counts == [
        FlowCount(date(2026, 11, 21), "TJ-BCP-01", "in", "refugees", "female", "18-59", 12),
        FlowCount(date(2026, 11, 22), "TJ-BCP-01", "in", "refugees", "male", "5-17", 7),
    ]


def test_hxl_tags_alone_are_enough(tmp_path):
    text = (
        "a,b,c,d,e\n#date,#loc+code,#indicator+direction,#population+type,#reached+ind\n"
        "2026-11-20,Khorog bus station,out,Returning migrants,40\n"
    )
    (count,) = read_flow_file(write(tmp_path, text))
    assert (count.point_id, count.direction, count.category, count.count) == (
        "Khorog bus station",
        "out",
        "returning_migrants",
        40,
    )
    assert (count.sex, count.age_band) == ("unknown", "unknown")  # a total, not broken down


def test_a_bad_row_refuses_the_file_naming_row_and_field(tmp_path):
    text = RUSSIAN_CSV + "23.11.2026;TJ-BCP-01;въезд;беженцы;М;5-17;abc\n"
    text += "31.02.2026;TJ-BCP-01;up;беженцы;М;5-17;3\n"
    with pytest.raises(FlowImportError) as refused:
        read_flow_file(write(tmp_path, text))
    message = str(refused.value)
    assert "row 4, count: 'abc' is not a whole number" in message
    assert "row 5, day: '31.02.2026' is not a date" in message
    assert "row 5, direction: 'up' is not one of: in, out" in message
    assert "nothing was written" in message


def test_a_repeated_key_is_refused(tmp_path):
    text = RUSSIAN_CSV + "21.11.2026;TJ-BCP-01;Въезд;Беженцы;Ж;18-59;13\n"
    with pytest.raises(FlowImportError, match="row 4: the same point.*as row 2"):
        read_flow_file(write(tmp_path, text))


def test_a_missing_column_is_named(tmp_path):
    with pytest.raises(FlowImportError, match="no column for count"):
        read_flow_file(write(tmp_path, "date,point,direction,category\n2026-11-20,X,in,other\n"))


def test_cli_refuses_a_bad_file_and_the_store_is_unchanged(tmp_path, capsys):
    store_path = tmp_path / "eoc.gpkg"
    assert main(["init", "--store", str(store_path)]) == 0
    store = GeoPackageStore(store_path)
    before, rows = store.version(), len(read_counts(store.sql))
    assert rows == len(pd.read_csv(SEED / "flow_counts.csv"))  # the seed is loaded by init
    bad = write(tmp_path, RUSSIAN_CSV + "23.11.2026;TJ-BCP-01;въезд;беженцы;М;5-17;-4\n")
    assert main(["flows", "import", str(bad), "--store", str(store_path)]) == 1
    assert "row 4, count: -4 is outside 0 to 1000000" in capsys.readouterr().err
    assert (store.version(), len(read_counts(store.sql))) == (before, rows)


@pytest.fixture(scope="module")
def flows_store(tmp_path_factory) -> GeoPackageStore:
    """The seed as `eoc init` builds it, registry included (tests must not write to it)."""
    path = tmp_path_factory.mktemp("flows") / "eoc.gpkg"
    assert main(["init", "--store", str(path)]) == 0
    return GeoPackageStore(path)


def test_hxl_export_imports_back_unchanged(tmp_path, flows_store):
    out = tmp_path / "flows_hxl.csv"
    assert main(["flows", "export", "--out", str(out), "--store", str(flows_store.path)]) == 0
    frame = pd.read_csv(out, dtype=str)
    assert list(frame.iloc[0]) == list(hxl_table(read_counts(flows_store.sql)).iloc[0])
    assert frame.iloc[0]["point_id"] == "#loc+code"
    assert sorted(read_flow_file(out), key=lambda c: c.key) == sorted(
        read_flow_file(SEED / "flow_counts.csv"), key=lambda c: c.key
    )


def exercise_writes(store) -> None:
    """What both backends must do alike: add, replace with the old count audited, replay."""
    first = [
        FlowCount(date(2026, 12, d), "TJ-BCP-04", "in", "refugees", "male", "60+", d)
        for d in (1, 2)
    ]
    done = import_counts(store.sql, first, source="a.csv", by="duty1", now=NOW)
    assert (done.added, done.changed) == (2, 0)
    again = [first[0], FlowCount(*first[1].key, 50)]
    done = import_counts(store.sql, again, source="b.csv", by="duty1", now=NOW)
    assert (done.added, done.changed, done.unchanged) == (0, 1, 1)
    entry = store.audit_log(limit=1)[0]
    assert (entry.action, entry.user, entry.version) == ("flows_import", "duty1", done.version)
    assert entry.old["changed"][0]["count"] == 2
    mine = read_counts(store.sql)
    mine = mine[mine["point_id"] == "TJ-BCP-04"]
    assert sorted(mine["count"]) == [1, 50]
    tokens = WriteTokens("k" * 40)
    token = tokens.read(
        tokens.issue("flows", user="duty1", version=1), purpose="flows", user="duty1"
    )
    one = FlowCount(date(2026, 12, 3), "TJ-BCP-04", "out", "other", "unknown", "unknown", 9)
    enter_count(store.sql, one, token=token, by="duty1", now=NOW)
    with pytest.raises(ReplayedWriteError):
        enter_count(store.sql, one, token=token, by="duty1", now=NOW)
    assert store.audit_log(limit=1)[0].new == {"count": 9}


def test_writes_on_a_geopackage(tmp_path, seed_store):
    store = GeoPackageStore(tmp_path / "copy.gpkg")
    store.replace_all({n: seed_store.read_layer(n) for n in seed_store.layer_names()}, now=NOW)
    exercise_writes(store)
    # A rebuild from the seed keeps counts staff wrote and replaces the seed's own.
    load_seed_flows(store, SEED, now=NOW)
    load_seed_flows(store, SEED, now=NOW)
    held = read_counts(store.sql)
    assert (held["source"] == "seed").sum() == len(pd.read_csv(SEED / "flow_counts.csv"))
    assert set(held.loc[held["source"] != "seed", "point_id"]) == {"TJ-BCP-04"}


def test_writes_on_postgis(seed_frames, pg_database):
    from eoc.store.postgis import PostGISStore

    store = PostGISStore(pg_schema_url(pg_database, "flows"))
    try:
        store.replace_all(seed_frames, now=NOW)
        exercise_writes(store)
        load_seed_flows(store, SEED, now=NOW)
        assert len(read_counts(store.sql)) == len(pd.read_csv(SEED / "flow_counts.csv")) + 3
    finally:
        store.sql.engine.dispose()
