"""The sign-in throttle: counted in the store, atomic, shared by processes, fair to users.

Regression tests for issue 11 finding 5: 80 parallel guesses, 71 checked against the
password; a burst with the right password last got in; spraying from one address with a
success on its own account between rounds was never refused; failures from one address
locked a user out of the right password from another.
"""

from __future__ import annotations

import multiprocessing
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from eoc.auth import AuthError, LoginThrottle, authenticate
from eoc.store import open_store
from eoc.store.seed import build_from_seed
from tests.conftest import SEED_DIR, SEED_TIME, STAFF_PASSWORD

LIMIT = 5
WRONG = "not the password at all"


class Clock:
    """Time as an input: the test moves it by hand."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def throttle_for(store, **kwargs) -> LoginThrottle:
    return LoginThrottle(store, **{"max_failures": LIMIT, "sleep": lambda _s: None, **kwargs})


def attempt(store, throttle, name: str, password: str, address: str) -> str:
    """'in', 'wrong' (checked against the password and refused) or 'throttled' (not checked)."""
    try:
        authenticate(store, name, password, throttle=throttle, address=address)
    except AuthError as exc:
        return "throttled" if exc.throttled else "wrong"
    return "in"


def test_of_80_parallel_guesses_at_most_the_limit_are_checked(any_store):
    throttle = throttle_for(any_store)
    barrier = threading.Barrier(16)

    def guess(i: int) -> str:
        if i < 16:
            barrier.wait()  # the first 16 start at the same instant
        return attempt(any_store, throttle, "duty1", f"{WRONG} {i}", "198.51.100.7")

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(guess, range(80)))
    print(f"of 80 parallel guesses {results.count('wrong')} were checked")
    assert results.count("wrong") == LIMIT
    assert results.count("throttled") == 80 - LIMIT


def _guessing_process(location: str, guesses: int, start, results) -> None:
    store = open_store(location)
    throttle = throttle_for(store)
    start.wait()
    outcomes = [
        attempt(store, throttle, "duty1", f"{WRONG} {i}", "198.51.100.8") for i in range(guesses)
    ]
    results.put(outcomes)


def test_parallel_guesses_from_several_processes_share_one_count(any_store):
    """Gunicorn workers are processes: the limit holds across them."""
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    workers = [
        context.Process(target=_guessing_process, args=(any_store.location, 20, start, results))
        for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    start.set()
    outcomes = [result for _ in workers for result in results.get(timeout=120)]
    for worker in workers:
        worker.join(timeout=60)
    print(f"of 80 guesses from 4 processes {outcomes.count('wrong')} were checked")
    assert len(outcomes) == 80
    assert outcomes.count("wrong") == LIMIT


def test_a_burst_with_the_right_password_last_does_not_get_in(any_store):
    throttle = throttle_for(any_store)
    burst = [WRONG] * 29 + [STAFF_PASSWORD]
    results = [attempt(any_store, throttle, "duty1", p, "198.51.100.9") for p in burst]
    assert results.count("wrong") == LIMIT
    assert results[-1] == "throttled"


def test_spraying_from_one_address_is_refused_despite_its_own_sign_ins(any_store):
    """12 passwords against 3 users, signing in to its own account after each round."""
    throttle = throttle_for(any_store, address_max_failures=10)
    results = []
    for round_ in range(4):
        for victim in ("admin1", "cccm1", "viewer1"):
            results.append(attempt(any_store, throttle, victim, f"{WRONG} {round_}", "203.0.113.5"))
        if round_ < 3:
            assert attempt(any_store, throttle, "mallory", STAFF_PASSWORD, "203.0.113.5") == "in"
    assert results.count("wrong") == 10
    assert results[-2:] == ["throttled", "throttled"]


def test_failures_from_another_address_do_not_lock_the_user_out(any_store):
    delays: list[float] = []
    throttle = throttle_for(any_store, sleep=delays.append)
    strangers = [f"192.0.2.{n}" for n in range(60, 64)]
    for address in strangers:
        for i in range(LIMIT):
            assert attempt(any_store, throttle, "duty1", f"{WRONG} {i}", address) == "wrong"
        assert attempt(any_store, throttle, "duty1", STAFF_PASSWORD, address) == "throttled"
    delays.clear()
    assert attempt(any_store, throttle, "duty1", STAFF_PASSWORD, "10.1.2.3") == "in"
    # The name's 20 failures elsewhere only slowed the answer, by at most the cap.
    assert delays == [throttle.max_delay_s]


def test_a_success_clears_only_its_own_name_and_address(any_store):
    throttle = throttle_for(any_store)
    for _ in range(LIMIT - 1):
        attempt(any_store, throttle, "viewer1", WRONG, "198.51.100.20")
    assert attempt(any_store, throttle, "mallory", STAFF_PASSWORD, "198.51.100.20") == "in"
    assert attempt(any_store, throttle, "viewer1", WRONG, "198.51.100.20") == "wrong"
    assert attempt(any_store, throttle, "viewer1", STAFF_PASSWORD, "198.51.100.20") == "throttled"
    # Its own right password, before the limit, clears that pair.
    for _ in range(LIMIT - 1):
        attempt(any_store, throttle, "cccm1", WRONG, "198.51.100.21")
    assert attempt(any_store, throttle, "cccm1", STAFF_PASSWORD, "198.51.100.21") == "in"
    for _ in range(LIMIT):
        assert attempt(any_store, throttle, "cccm1", WRONG, "198.51.100.21") == "wrong"


def test_a_lock_ends_with_its_window_and_says_when(gpkg_store):
    clock = Clock()
    throttle = throttle_for(gpkg_store, window_s=600, clock=clock)
    for _ in range(LIMIT):
        attempt(gpkg_store, throttle, "duty1", WRONG, "a")
    clock.now += 60
    with pytest.raises(AuthError, match="too many failed sign-ins; try again in 9 min"):
        authenticate(gpkg_store, "duty1", STAFF_PASSWORD, throttle=throttle, address="a")
    clock.now += 541
    assert authenticate(gpkg_store, "duty1", STAFF_PASSWORD, throttle=throttle, address="a")


def test_counts_survive_a_rebuild_and_the_file_stays_a_geopackage(gpkg_store):
    throttle = throttle_for(gpkg_store)
    for _ in range(LIMIT):
        attempt(gpkg_store, throttle, "duty1", WRONG, "a")
    build_from_seed(gpkg_store, SEED_DIR, now=SEED_TIME)
    assert attempt(gpkg_store, throttle, "duty1", STAFF_PASSWORD, "a") == "throttled"
    opened = subprocess.run(["ogrinfo", "-ro", "-so", str(gpkg_store.path)], capture_output=True)
    assert opened.returncode == 0, opened.stderr
    assert b"displacement_sites" in opened.stdout and b"ERROR" not in opened.stderr


def test_a_success_sweeps_away_counts_whose_window_has_passed(any_store):
    import sqlalchemy as sa

    from eoc.store.account_tables import throttle as table

    clock = Clock()
    throttle = throttle_for(any_store, window_s=600, clock=clock)
    for i in range(30):  # spraying made-up names leaves a row for each
        attempt(any_store, throttle, f"nobody{i}", WRONG, f"198.18.0.{i}")
    clock.now += 601
    assert attempt(any_store, throttle, "duty1", STAFF_PASSWORD, "10.9.9.9") == "in"
    with any_store.sql.reading() as con:
        keys = con.execute(sa.select(table.c.key)).scalars().all()
    assert not any("nobody" in key for key in keys)
