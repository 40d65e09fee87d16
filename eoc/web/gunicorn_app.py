"""The production server: gunicorn, sized to the machine, serving one app per worker.

The store is built from the seed (if needed) once, by the caller, before the workers start;
each worker then opens it and builds its own app (nothing is shared by fork but settings).
`kill -HUP <master>` restarts the workers gracefully (new ones start, old ones finish their
requests); `kill -TERM` stops after at most `graceful_timeout` seconds.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from gunicorn.app.base import BaseApplication

from eoc.config import Settings

MAX_DEFAULT_WORKERS = 8
DEFAULT_THREADS = 8
# The worker (%(p)s) and the response time in ms (%(M)s) on each access-log line.
ACCESS_LOG_FORMAT = '%(h)s [pid %(p)s] "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'


def cpu_count() -> int:
    """Cores this process may use (the affinity mask, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def sized_workers(settings: Settings) -> tuple[int, int]:
    """(workers, threads per worker).

    Python runs one thread at a time per process, so the workers carry the CPU: one per core
    plus one that can run while another waits on the store. Threads let a worker overlap
    store reads and slow clients.
    """
    workers = settings.workers or min(cpu_count() + 1, MAX_DEFAULT_WORKERS)
    threads = settings.threads or DEFAULT_THREADS
    return workers, threads


def gunicorn_options(settings: Settings) -> dict[str, object]:
    workers, threads = sized_workers(settings)
    return {
        "bind": f"{settings.host}:{settings.port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        # A situation report as PDF may take a while; a worker silent for longer is stuck.
        "timeout": 120,
        "graceful_timeout": 30,
        "keepalive": 5,
        # Workers are replaced now and then, staggered, so slow leaks never build up.
        "max_requests": 100_000,
        "max_requests_jitter": 10_000,
        "accesslog": "-",
        "errorlog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "loglevel": "info",
        "proc_name": "eoc-dashboard",
        # Heartbeat files in memory: a slow disk must not make the master kill workers.
        "worker_tmp_dir": "/dev/shm" if os.path.isdir("/dev/shm") else None,
        # Behind a reverse proxy on this machine, trust its X-Forwarded-* headers only.
        "forwarded_allow_ips": "127.0.0.1",
        # One control socket per user home would be shared by every server on the machine;
        # signals (HUP, TERM) are how this one is managed.
        "control_socket_disable": True,
    }


class GunicornApp(BaseApplication):
    """gunicorn with options from `Settings`; `make_server()` runs in each worker."""

    def __init__(self, make_server: Callable[[], object], options: dict[str, object]) -> None:
        self.make_server = make_server
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if value is not None:
                self.cfg.set(key, value)

    def load(self):
        return self.make_server()


def serve(make_server: Callable[[], object], settings: Settings) -> None:
    """Serve the WSGI app `make_server()` returns, with gunicorn, until stopped (with the feed
    runner as the master's companion process when `feeds_in_process` is set)."""
    from eoc.feeds.companion import gunicorn_hooks

    options = gunicorn_options(settings) | gunicorn_hooks(settings)
    GunicornApp(make_server, options).run()
