"""Background jobs through a real gunicorn on a free port: Celery with real Redis, and local.

A sitrep draft is built as a job, then its PDF, then it is published and the archived PDF
downloads; a worker killed in the middle of publishing leaves the store as it was and the
same draft publishes once the worker is back; with Redis unreachable the dashboard serves
and the buttons say why jobs are unavailable; without Redis (the embedded default) jobs run
in local processes, and one killed mid-way says so. The security gate refuses the job
polls of a role that may not run the job.
"""

from __future__ import annotations

import base64
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import redis
import requests

from bench.job_client import page_end_id, poll_job, run_job, start_job
from bench.load_client import callback_body, free_port, start_server, stop_server
from eoc.auth import create_user
from eoc.store import GeoPackageStore
from eoc.web.components import report_ids as rids
from tests.conftest import SEED_TIME, TEST_SECRET_KEY

PASSWORD = "jobs test password"
REDIS_DB = 11  # a database of its own on the shared Redis: flushed by these tests only
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"
ROOT = Path(__file__).resolve().parents[2]
CHOICES = {
    rids.BUILD: 1,
    rids.SCOPE: "country",
    rids.AS_OF: "",
    rids.LANG: "en",
    rids.PROFILE: "sphere",
    rids.PRODUCED_BY: "EOC jobs test",
    rids.REFRESH: 0,
    rids.OVERVIEW: "Overview typed after the preview",
    rids.RESPONSE: "",
    rids.GAPS: "",
}


def make_store(folder: Path, seed_store) -> GeoPackageStore:
    store = GeoPackageStore(folder / "eoc.gpkg")
    shutil.copyfile(seed_store.path, store.path)
    create_user(store, "duty1", role="duty_officer", password=PASSWORD, now=SEED_TIME)
    create_user(store, "viewer1", role="viewer", password=PASSWORD, now=SEED_TIME)
    return store


def environment(folder: Path, redis_url: str | None) -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "EOC_SECRET_KEY": TEST_SECRET_KEY,
        "EOC_CACHE_DIR": str(folder / "cache"),
    }
    env.pop("EOC_REDIS_URL", None)
    if redis_url:
        env["EOC_REDIS_URL"] = redis_url
    return env


def start(folder: Path, store: GeoPackageStore, env: dict[str, str]) -> dict:
    port = free_port()
    log = folder / f"server-{port}.log"
    args = ["--store", str(store.path), "--workers", "2", "--threads", "4"]
    process = start_server(args, env=env, port=port, log=log)
    return {"url": f"http://127.0.0.1:{port}", "log": log, "store": store, "process": process}


def start_worker(folder: Path, store: GeoPackageStore, env: dict[str, str]) -> subprocess.Popen:
    """`eoc worker` in its own process group, once Celery says it is ready."""
    log = folder / "worker.log"
    command = [sys.executable, "-m", "eoc.cli", "worker", "--store", str(store.path)]
    process = subprocess.Popen(
        [*command, "--concurrency", "1"],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"worker exited: {log.read_text()[-2000:]}")
        if log.read_text(errors="replace").count(" ready.") > 0:
            return process
        time.sleep(0.3)
    kill_group(process)
    raise RuntimeError(f"worker not ready: {log.read_text()[-2000:]}")


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the process and its children: no clean-up runs, as in a crash."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture(scope="module")
def queue():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is needed at 127.0.0.1:6379 (CI starts it: .ci/run): {exc}")
    client.flushdb()
    return client


@pytest.fixture(scope="module")
def queued(queue, seed_store, tmp_path_factory):
    folder = tmp_path_factory.mktemp("jobs-queued")
    store = make_store(folder, seed_store)
    env = environment(folder, REDIS_URL)
    server = start(folder, store, env)
    worker = start_worker(folder, store, env)
    server |= {"worker": worker, "env": env, "folder": folder}
    try:
        yield server
    finally:
        kill_group(server["worker"])
        stop_server(server["process"])


def signed_in(server, name: str) -> requests.Session:
    session = requests.Session()
    answer = session.post(
        server["url"] + "/login",
        data={"username": name, "password": PASSWORD, "next": "/"},
        allow_redirects=False,
    )
    assert answer.status_code == 302
    return session


def dependency(session, server, output_part: str) -> dict:
    deps = session.get(server["url"] + "/_dash-dependencies").json()
    return next(d for d in deps if output_part in d["output"])


def body_for(session, server, output_part: str, values: dict) -> bytes:
    dep = dependency(session, server, output_part)
    return callback_body(dep, lambda i: values.get(i["id"]))


def build_draft(session, server, end_id: str) -> dict:
    """Start a draft (a plain callback), then its job: the job's answer."""
    base = server["url"]
    first = session.post(
        base + "/_dash-update-component",
        data=body_for(session, server, f"{rids.REQUEST}.data", CHOICES),
        headers={"Content-Type": "application/json"},
    )
    assert first.status_code == 200, first.text
    request = first.json()["response"][rids.REQUEST]["data"]
    body = body_for(session, server, f"{rids.PREVIEW}.srcDoc", CHOICES | {rids.REQUEST: request})
    seen: list[dict] = []
    answer = run_job(session, base, body, end_id, on_progress=seen.append)
    answer["progress_seen"] = seen
    return answer


def publish_body(session, server, draft: dict) -> bytes:
    values = CHOICES | {rids.PUBLISH: 1, rids.DRAFT: draft}
    return body_for(session, server, f"{rids.ARCHIVE}.children", values)


def message_of(answer: dict) -> str:
    return str(answer[rids.MESSAGE]["children"])


def test_a_queued_draft_completes_then_its_pdf_and_the_published_pdf_download(queued):
    duty = signed_in(queued, "duty1")
    end_id = page_end_id(duty, queued["url"] + "/reports")
    answer = build_draft(duty, queued, end_id)
    assert "Situation report" in answer[rids.PREVIEW]["srcDoc"], answer
    draft = answer[rids.DRAFT]["data"]
    assert draft["token"] and draft["version"] == queued["store"].version()
    assert answer[rids.PROGRESS]["value"] == "100"

    values = CHOICES | {rids.DRAFT_PDF: 1, rids.DRAFT: draft}
    body = body_for(duty, queued, f"{rids.DRAFT_PDF_FILE}.data", values)
    pdf = run_job(duty, queued["url"], body, end_id)[rids.DRAFT_PDF_FILE]["data"]
    assert pdf["filename"] == f"sitrep-draft-v{draft['version']}.pdf"
    assert base64.b64decode(pdf["content"]).startswith(b"%PDF")

    before = len(queued["store"].list_reports())
    published = run_job(duty, queued["url"], publish_body(duty, queued, draft), end_id)
    assert "Published situation report No." in message_of(published), published
    reports = queued["store"].list_reports()
    assert len(reports) == before + 1
    number = max(int(r["number"]) for r in reports)
    download = duty.get(f"{queued['url']}/reports/{number}.pdf")
    assert download.status_code == 200
    assert download.content.startswith(b"%PDF")
    # The work ran in the worker, not in the web server.
    assert "background_callback_" in (queued["folder"] / "worker.log").read_text()


def test_a_viewer_may_not_poll_a_publish_job(queued):
    duty = signed_in(queued, "duty1")
    end_id = page_end_id(duty, queued["url"] + "/reports")
    draft = build_draft(duty, queued, end_id)[rids.DRAFT]["data"]
    body = publish_body(duty, queued, draft | {"token": "not a token"})
    handles = start_job(duty, queued["url"], body, end_id)
    viewer = signed_in(queued, "viewer1")
    # The viewer's own session with the duty officer's job handles: the gate says no.
    refused = poll_job(viewer, queued["url"], body, end_id, handles)
    assert refused.status_code == 403
    assert b"refused" in refused.content
    answer = requests.post(
        queued["url"] + "/_dash-update-component",
        params={"endId": end_id},
        data=body,
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 403  # anonymous: the gate refuses starting it too


def test_a_worker_killed_mid_job_writes_nothing_and_the_job_can_be_retried(queued, queue):
    duty = signed_in(queued, "duty1")
    end_id = page_end_id(duty, queued["url"] + "/reports")
    draft = build_draft(duty, queued, end_id)[rids.DRAFT]["data"]
    store = queued["store"]
    version, reports = store.version(), len(store.list_reports())

    # A finished job's key lives on a few seconds (eoc/web/jobs.py heartbeat): wait for a new one.
    earlier = set(queue.scan_iter("eoc:job:*:alive"))

    def kill_once_running(_handles: dict) -> None:
        deadline = time.monotonic() + 30
        while not set(queue.scan_iter("eoc:job:*:alive")) - earlier:
            assert time.monotonic() < deadline, "the job never started"
            time.sleep(0.05)
        kill_group(queued["worker"])  # the worker and its pool: SIGKILL, mid-publish

    body = publish_body(duty, queued, draft)
    answer = run_job(duty, queued["url"], body, end_id, on_start=kill_once_running, timeout_s=60)
    assert "did not finish" in message_of(answer), answer
    assert "Nothing was written" in message_of(answer)
    assert store.version() == version
    assert len(store.list_reports()) == reports

    queued["worker"] = start_worker(queued["folder"], store, queued["env"])
    again = run_job(duty, queued["url"], body, end_id)
    assert "Published situation report No." in message_of(again), again
    assert len(store.list_reports()) == reports + 1


def test_with_redis_unreachable_the_app_serves_and_says_why_jobs_are_unavailable(
    seed_store, tmp_path_factory
):
    folder = tmp_path_factory.mktemp("jobs-no-redis")
    store = make_store(folder, seed_store)
    closed = f"redis://127.0.0.1:{free_port()}/0"
    server = start(folder, store, environment(folder, closed))
    try:
        assert requests.get(server["url"] + "/healthz").status_code == 200
        assert requests.get(server["url"] + "/public").status_code == 200
        # The public figure without its shared cache: computed, still served.
        from tests.web.test_serving import public_data

        assert public_data(requests.Session(), server).status_code == 200
        duty = signed_in(server, "duty1")
        assert duty.get(server["url"] + "/reports").status_code == 200
        end_id = page_end_id(duty, server["url"] + "/reports")
        started = time.monotonic()
        answer = build_draft(duty, server, end_id)
        assert time.monotonic() - started < 10  # refused at once, not after retries
        text = message_of(answer)
        assert "Background jobs are unavailable" in text, answer
        assert "Redis" in text and "ConnectionError" in text
    finally:
        stop_server(server["process"])


def job_children(server) -> list[psutil.Process]:
    """The local job processes: children of the gunicorn workers."""
    master = psutil.Process(server["process"].pid)
    return [
        child
        for worker in master.children()
        for child in worker.children()
        if child.status() != psutil.STATUS_ZOMBIE
    ]


def test_without_redis_jobs_run_locally_and_one_killed_mid_way_says_so(
    seed_store, tmp_path_factory
):
    folder = tmp_path_factory.mktemp("jobs-local")
    store = make_store(folder, seed_store)
    server = start(folder, store, environment(folder, None))
    try:
        duty = signed_in(server, "duty1")
        end_id = page_end_id(duty, server["url"] + "/reports")
        answer = build_draft(duty, server, end_id)
        assert "Situation report" in answer[rids.PREVIEW]["srcDoc"], answer
        draft = answer[rids.DRAFT]["data"]
        version, reports = store.version(), len(store.list_reports())

        def kill_the_job(_handles: dict) -> None:
            deadline = time.monotonic() + 30
            while not (children := job_children(server)):
                assert time.monotonic() < deadline, "no job process started"
                time.sleep(0.02)
            time.sleep(0.5)
            for child in children:
                child.kill()

        body = publish_body(duty, server, draft)
        killed = run_job(duty, server["url"], body, end_id, on_start=kill_the_job, timeout_s=60)
        assert "did not finish" in message_of(killed), killed
        assert store.version() == version and len(store.list_reports()) == reports
        again = run_job(duty, server["url"], body, end_id)
        assert "Published situation report No." in message_of(again), again
        assert len(store.list_reports()) == reports + 1
    finally:
        stop_server(server["process"])


FORKING_WORKER = """
import os, sys, time
from eoc.web.jobs import end_with_parent
pid = os.fork()
if pid == 0:  # the job, as Dash's local manager forks it from a web worker
    end_with_parent()
    print("watching", flush=True)
    time.sleep(120)
    os._exit(0)
print(pid, flush=True)
time.sleep(120)
"""


def test_a_local_job_ends_soon_after_the_web_worker_that_started_it():
    """A stopped or crashed server leaves no orphan job (within PARENT_CHECK_S, not at its end)."""
    from eoc.web.jobs import PARENT_CHECK_S

    worker = subprocess.Popen(
        [sys.executable, "-c", FORKING_WORKER],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    job = psutil.Process(int(worker.stdout.readline()))
    try:
        assert worker.stdout.readline().strip() == "watching"
        worker.kill()
        worker.wait()
        assert job.is_running() and job.status() != psutil.STATUS_ZOMBIE
        gone, alive = psutil.wait_procs([job], timeout=PARENT_CHECK_S + 9)
        assert not alive, "the job outlived its web worker"
    finally:
        if job.is_running():
            job.kill()
