"""The shared cache of public answers (files and Redis), its locks, and the server's sizing."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from eoc.config import load_settings
from eoc.errors import ConfigError
from eoc.web.gunicorn_app import gunicorn_options, sized_workers
from eoc.web.public_cache import (
    FileAnswerCache,
    RedisAnswerCache,
    chosen_encoding,
    encode_variants,
    pack,
    unpack,
)

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def file_cache(tmp_path) -> FileAnswerCache:
    return FileAnswerCache(tmp_path / "public")


@pytest.fixture
def redis_cache() -> RedisAnswerCache:
    cache = RedisAnswerCache(REDIS_URL, prefix=f"eoc-test-{uuid.uuid4().hex[:8]}:")
    try:
        cache.client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means no Redis here
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {exc}")
    yield cache
    for key in cache.client.scan_iter(match=cache.prefix + "*"):
        cache.client.delete(key)


@pytest.fixture(params=["files", "redis"])
def cache(request):
    return request.getfixturevalue("file_cache" if request.param == "files" else "redis_cache")


def test_an_answer_is_kept_and_cleared(cache):
    cache.set("v3:en:abc:all", b"answer", version=3)
    cache.set("blob:1234", b"geojson", version=None)
    assert cache.get("v3:en:abc:all") == b"answer"
    assert cache.get("v3:ru:abc:all") is None
    cache.clear()
    assert cache.get("v3:en:abc:all") is None
    assert cache.get("blob:1234") == b"geojson"  # content-addressed: still true


def test_the_file_cache_keeps_only_the_newest_versions(file_cache):
    for version in range(1, 7):
        file_cache.set(f"v{version}:en:abc:all", b"x", version=version)
    assert file_cache.get("v1:en:abc:all") is None
    assert file_cache.get("v6:en:abc:all") == b"x"
    assert len(list(file_cache.folder.glob("v*"))) <= 3


def test_the_lock_lets_one_holder_in_at_a_time(cache):
    inside, overlaps = [], []

    def work():
        with cache.lock("rebuild", timeout_s=5) as held:
            assert held
            if inside:
                overlaps.append(1)
            inside.append(1)
            time.sleep(0.05)
            inside.pop()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not overlaps


def test_a_lock_not_had_in_time_says_so(cache):
    with cache.lock("rebuild", timeout_s=1) as first:
        assert first
        result = []
        thread = threading.Thread(
            target=lambda: result.append(cache.lock("rebuild", timeout_s=0.1).__enter__())
        )
        thread.start()
        thread.join()
        assert result == [False]


def test_encoded_variants_round_trip():
    body = b'{"response": "' + b"x" * 5000 + b'"}'
    variants = unpack(pack(encode_variants(body)))
    assert variants["identity"] == body
    assert len(variants["br"]) < len(body) / 10 and len(variants["gzip"]) < len(body) / 10
    assert chosen_encoding("gzip, deflate, br, zstd") == "br"
    assert chosen_encoding("gzip") == "gzip"
    assert chosen_encoding("") == "identity"


def test_the_server_is_sized_to_the_machine_unless_told():
    workers, threads = sized_workers(load_settings(environ={}))
    assert 2 <= workers <= 8 and threads == 8
    told = load_settings({"workers": 3}, environ={"EOC_THREADS": "2"})
    assert sized_workers(told) == (3, 2)
    options = gunicorn_options(told)
    assert options["worker_class"] == "gthread" and options["control_socket_disable"]


@pytest.mark.parametrize("value", ["0", "65", "many"])
def test_a_bad_worker_count_is_refused(value):
    with pytest.raises(ConfigError, match="EOC_WORKERS"):
        load_settings(environ={"EOC_WORKERS": value})


def test_a_new_sandbox_at_an_archived_sandboxs_path_never_gets_its_public_answers(
    staff_store, tmp_path
):
    """Two exercises, one after the other, at one sandbox path and one cache: at the same
    store version, the second is never served the first one's cached public answer."""
    from datetime import timedelta

    from eoc.exercise.sandbox import start_exercise, stop_exercise
    from eoc.exercise.scenario import read_scenario_file
    from eoc.store import GeoPackageStore
    from eoc.store.edits import Edit
    from eoc.web import create_app
    from tests.conftest import STAFF, settings_for
    from tests.exercise.conftest import START, STARTER
    from tests.web.test_public_leak import public_answer

    scenario = read_scenario_file(STARTER)
    path = tmp_path / "exercise" / "sandbox.gpkg"
    centre = "Khorog School No. 3 collective centre"

    def exercise(name: str, *, at) -> tuple[GeoPackageStore, str]:
        sandbox = GeoPackageStore(path)
        start_exercise(staff_store, sandbox, scenario, by="admin1", now=at)
        sites = sandbox.read_layer("displacement_sites")
        site_id = str(sites.loc[sites["name"] == centre, "site_id"].iloc[0])
        sandbox.apply_edits(
            "displacement_sites",
            [Edit(site_id, {"name": name})],
            user=STAFF["cccm"],
            reason="an exercise renames the centre",
            now=at,
        )
        app = create_app(sandbox, settings_for(sandbox, cache_dir=tmp_path / "cache"))
        return sandbox, public_answer(app.server.test_client(), "en")

    first, answer = exercise("First exercise camp", at=START)
    assert "First exercise camp" in answer
    version = first.version()
    stop_exercise(first, by="admin1", now=START + timedelta(hours=2))
    second, answer = exercise("Second exercise camp", at=START + timedelta(days=1))
    assert second.version() == version  # the same key but for the store it came from
    assert "Second exercise camp" in answer
    assert "First exercise camp" not in answer
