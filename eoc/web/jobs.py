"""Long work off the request path: Dash background callbacks, with progress and clear failures.

Building a situation report (its figures, map, preview and PDF), confirming a large import
and planning a relocation run as *jobs*: the button's request only starts the job and
returns; the page then polls for its progress and result. Where jobs run:

- `EOC_REDIS_URL` set: on a Celery queue in Redis, run by `eoc worker` (any machine that
  shares the store; see README, "Background jobs"). A PDF build then takes no web worker.
- otherwise (the embedded default, `make run`): in a child process of the web worker that
  received the click (Dash's DiskcacheManager), results in files under the cache folder.

Both run the callback as the user who clicked: the job rebuilds that request in its own
process (the same session cookie, address and browser) before the guarded callback runs, so
the role is checked again where the work happens, a session signed out meanwhile is refused,
and the report is in the user's language. Each job's results live under a random key, so two
users asking the same thing never read each other's answer (or write token).

Failures are said in words: the callback's own errors come back as its message; a job whose
process died (killed, out of memory) is noticed while the page polls — the local child's
process is gone, or the queued job's heartbeat stopped — and reported, and since every
write is one store transaction, nothing was half-written and the button can be pressed
again. A killed queued job is not re-run by itself (no late acknowledgement): a job that
kills its worker would kill the next one too; the user decides to retry.

With Redis unreachable the jobs refuse at once with the reason, and everything else serves
as before: falling back to local processes would run PDF builds on the web servers the
queue was configured to spare, and with several app servers a poll answered by another
server would never find a job started on this one.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import flask
from dash import CeleryManager, Dash, DiskcacheManager
from dash._callback_context import context_value
from dash.exceptions import BackgroundCallbackError, PreventUpdate

from eoc.config import Settings
from eoc.errors import EocError
from eoc.i18n import _
from eoc.permissions import Action
from eoc.web.language import choose_language
from eoc.web.security import guarded_callback

JOBS_KEY = "EOC_JOBS"
RESULT_TTL_S = 3600  # a finished job's answer waits this long for its page to poll
POLL_MS = 500
HEARTBEAT_S = 2.0  # a queued job's worker says it is alive this often…
ALIVE_TTL_S = 10  # …and is taken for dead when silent this long
QUEUE_WAIT_S = 60.0  # a queued job no worker took within this is reported
PARENT_CHECK_S = 1.0  # a local job whose web worker ended ends within this
JOB_NICENESS = 10  # jobs yield the CPU to the web workers (the duty officers), yet progress
# Request headers that described the original body, which the job's request does not have.
BODY_HEADERS = frozenset({"content-length", "content-type", "transfer-encoding"})
LOG = logging.getLogger(__name__)


class JobsUnavailableError(EocError):
    """Background jobs cannot start now (their queue does not answer)."""


def _nonce() -> str:
    return secrets.token_hex(16)


@contextlib.contextmanager
def callers_request(server: flask.Flask) -> Iterator[None]:
    """In a job's process: the request that started the job, as far as identity goes."""
    started = context_value.get()
    headers = {
        k: v for k, v in (started.get("headers") or {}).items() if k.lower() not in BODY_HEADERS
    }
    path = started.get("path") or "/_dash-update-component"
    remote = started.get("remote") or "127.0.0.1"
    with server.test_request_context(
        path, method="POST", headers=headers, environ_base={"REMOTE_ADDR": remote}
    ):
        choose_language()
        yield


class LocalJobs(DiskcacheManager):
    """Jobs in child processes of this machine's web workers; results in files."""

    kind = "local"

    def __init__(self, server: flask.Flask, folder: Path) -> None:
        import diskcache

        self.server = server
        folder.mkdir(parents=True, exist_ok=True)
        super().__init__(diskcache.Cache(str(folder)), cache_by=[_nonce], expire=RESULT_TTL_S)

    def make_job_fn(self, fn, progress, key=None):
        server = self.server

        @functools.wraps(fn)
        def job(*args: Any, **kw: Any) -> Any:
            end_with_parent()
            os.nice(JOB_NICENESS)
            with callers_request(server):
                return fn(*args, **kw)

        return super().make_job_fn(job, progress, key)

    def get_result(self, key, job):
        result = super().get_result(key, job)
        if result is self.UNDEFINED and job and not self.job_running(job):
            result = super().get_result(key, job)  # it may have finished just now
            if result is self.UNDEFINED:
                return _lost(_("its process ended before it finished"))
        return result

    def check_available(self) -> None:
        return None


def end_with_parent() -> None:
    """This job process ends within PARENT_CHECK_S once the web worker that started it ends.

    A stopped or restarted server then leaves no orphan still building a PDF (its writes are
    one transaction: ending mid-way loses nothing). A watch thread, not Linux's
    PR_SET_PDEATHSIG: that signal follows the forking *thread*, and the development
    server's request threads end as soon as they answer.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent != 1:
            time.sleep(PARENT_CHECK_S)
        LOG.warning("job process %s: its web worker %s ended; ending too", os.getpid(), parent)
        os._exit(1)

    threading.Thread(target=watch, name="eoc-job-parent-watch", daemon=True).start()


class QueuedJobs(CeleryManager):
    """Jobs on a Celery queue in Redis, run by `eoc worker` processes."""

    kind = "queue"

    def __init__(self, server: flask.Flask, redis_url: str) -> None:
        import redis

        self.server = server
        self.redis_url = redis_url
        self.redis = redis.Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=3)
        super().__init__(make_celery(redis_url), cache_by=[_nonce], expire=RESULT_TTL_S)

    def _key(self, job: object, what: str) -> str:
        return f"eoc:job:{job}:{what}"

    def check_available(self) -> None:
        """Raise JobsUnavailableError, with the reason, unless Redis answers now."""
        import redis

        try:
            self.redis.ping()
        except redis.RedisError as exc:
            raise JobsUnavailableError(
                _(
                    "Background jobs are unavailable: their queue (Redis, EOC_REDIS_URL) does "
                    "not answer ({reason}). Nothing was started; the rest of the dashboard "
                    "works. Ask the administrator to start Redis, then try again."
                ).format(reason=type(exc).__name__)
            ) from None

    def call_job_fn(self, key, job_fn, args, context):
        self.check_available()
        job = super().call_job_fn(key, job_fn, args, context)
        self.redis.set(self._key(job, "queued"), time.time(), ex=RESULT_TTL_S)
        return job

    def make_job_fn(self, fn, progress, key=None):
        server, jobs = self.server, self

        @functools.wraps(fn)
        def job(*args: Any, **kw: Any) -> Any:
            from celery import current_task

            with jobs.heartbeat(current_task.request.id), callers_request(server):
                return fn(*args, **kw)

        return super().make_job_fn(job, progress, key)

    @contextlib.contextmanager
    def heartbeat(self, job: str) -> Iterator[None]:
        """While the job runs: a key that expires ALIVE_TTL_S after its process stops."""
        stop = threading.Event()
        alive = self._key(job, "alive")
        self.redis.set(self._key(job, "started"), time.time(), ex=RESULT_TTL_S)
        self.redis.set(alive, os.getpid(), ex=ALIVE_TTL_S)

        def beat() -> None:
            while not stop.wait(HEARTBEAT_S):
                with contextlib.suppress(Exception):
                    self.redis.set(alive, os.getpid(), ex=ALIVE_TTL_S)

        thread = threading.Thread(target=beat, name=f"heartbeat-{job}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            # Not deleted: Dash's job function stores the answer only after this returns, and
            # a page polling in between took the job for lost ("its worker stopped before it
            # finished") though it had succeeded. The key now lives ALIVE_TTL_S more; a crash
            # in that gap is reported when it expires.
            with contextlib.suppress(Exception):
                self.redis.set(alive, os.getpid(), ex=ALIVE_TTL_S)

    def get_result(self, key, job):
        result = super().get_result(key, job)
        if result is not self.UNDEFINED or not job:
            return result
        reason = self._why_lost(job)
        if reason is None:
            return result
        result = super().get_result(key, job)  # it may have finished just now
        return _lost(reason) if result is self.UNDEFINED else result

    def _why_lost(self, job: str) -> str | None:
        task = self.get_task(job)
        if task.state in ("FAILURE", "REVOKED"):
            return _("its worker stopped it: {reason}").format(reason=task.result)
        if self.redis.exists(self._key(job, "alive")):
            return None
        if self.redis.exists(self._key(job, "started")):
            return _("its worker stopped before it finished")
        queued = self.redis.get(self._key(job, "queued"))
        if queued is not None and time.time() - float(queued) > QUEUE_WAIT_S:
            return _(
                "no job worker took it within {seconds} seconds (is `eoc worker` running?)"
            ).format(seconds=round(QUEUE_WAIT_S))
        return None


def _lost(reason: str) -> dict:
    """Dash's error answer for a job that cannot finish any more (see `failure_text`)."""
    text = _("The job did not finish: {reason}. Nothing was written; press the button again.")
    return {"background_callback_error": {"msg": text.format(reason=reason), "tb": ""}}


def make_celery(redis_url: str):
    """The Celery app of the job queue (broker and results in the same Redis)."""
    from celery import Celery

    celery = Celery("eoc-jobs", broker=redis_url, backend=redis_url)
    celery.conf.update(
        task_track_started=True,
        result_expires=RESULT_TTL_S,
        task_acks_late=False,  # a job that killed its worker is not run again by itself
        worker_prefetch_multiplier=1,  # a long job does not hold others back in a worker
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=2,
        redis_socket_connect_timeout=2,
        redis_socket_timeout=10,
        task_publish_retry=False,  # Redis down: refuse at once, do not keep the click waiting
        worker_hijack_root_logger=False,
    )
    return celery


def install_jobs(server: flask.Flask, settings: Settings, cache_dir: Path):
    """The app's job manager: the Celery queue if EOC_REDIS_URL is set, else local processes."""
    if settings.redis_url:
        jobs: LocalJobs | QueuedJobs = QueuedJobs(server, settings.redis_url)
    else:
        jobs = LocalJobs(server, Path(cache_dir) / "jobs")
    server.config[JOBS_KEY] = jobs
    return jobs


def failure_text(exc: BaseException) -> str:
    """What to tell the user about a job that failed with `exc`."""
    if isinstance(exc, BackgroundCallbackError):
        text = str(exc).removeprefix("An error occurred inside a background callback: ")
        return text.split("\nTraceback (most recent call last)")[0].strip()
    if isinstance(exc, EocError):
        return str(exc)
    LOG.error("background job failed", exc_info=exc)
    return _("The job could not be started or read ({reason}); try again.").format(
        reason=type(exc).__name__
    )


def background_callback(
    app: Dash,
    action: Action,
    *dependencies: Any,
    failed: Callable[[str], Any],
    progress: list | None = None,
    running: list | None = None,
    **kwargs: Any,
) -> Callable:
    """Register `fn` as a guarded background callback of the app's job manager.

    `failed(message)` gives the callback's outputs that show `message` (the outputs it
    returns for its own errors); it answers every failure: Redis down, a dead job, a refusal
    in the job's process, or an unexpected error in the work (logged with its traceback).
    Returns the plain function, so tests can call it directly.
    """
    jobs = app.server.config[JOBS_KEY]

    def decorator(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def work(*args: Any, **kw: Any) -> Any:
            try:
                return fn(*args, **kw)
            except PreventUpdate:
                raise
            except EocError as exc:
                return failed(str(exc))
            except Exception:
                LOG.exception("background job %s failed", fn.__name__)
                return failed(
                    _("The job failed on the server (see its log). Nothing was written; try again.")
                )

        guarded_callback(
            app,
            action,
            *dependencies,
            background=True,
            manager=jobs,
            progress=progress,
            running=running,
            interval=POLL_MS,
            on_error=lambda exc: failed(failure_text(exc)),
            **kwargs,
        )(work)
        return fn

    return decorator


def run_worker(settings: Settings, store, *, concurrency: int | None = None) -> int:
    """`eoc worker`: run the queued jobs of the app over `store` until stopped."""
    from eoc.web import create_app

    app = create_app(store, settings)
    jobs = app.server.config[JOBS_KEY]
    if not isinstance(jobs, QueuedJobs):
        raise EocError(
            _(
                "EOC_REDIS_URL is not set: without a queue, jobs run in the web server's own "
                "processes and no worker is needed"
            )
        )
    jobs.check_available()
    os.nice(JOB_NICENESS)
    argv = ["worker", "--loglevel=INFO", "--pool=prefork", "--without-gossip", "--without-mingle"]
    if concurrency:
        argv.append(f"--concurrency={concurrency}")
    jobs.handle.worker_main(argv)
    return 0
