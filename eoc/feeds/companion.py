"""The feed runner as a companion process of the dashboard server (`EOC_FEEDS_IN_PROCESS=1`).

Instead of a separate `eoc feeds run` service, the server starts the runner itself, as one
child process: gunicorn's master starts it once it is ready (its `when_ready` hook) and stops
it when it exits (`on_exit`), so it runs in exactly one process whatever the number of
workers, and never in a worker or a request; Dash's development server (`--debug`) starts it
from the reloader's watching process, not from each reloaded child. The child is the same
`eoc feeds run` (same environment, same store), so the store's lease still lets only one
runner poll if a systemd unit runs one too.
"""

from __future__ import annotations

import logging
import subprocess
import sys

from eoc.feeds.runner import configured_feeds

log = logging.getLogger("eoc.feeds")
STOP_TIMEOUT_S = 15.0  # the runner finishes its poll and gives the lease up within this


def runner_command(settings) -> list[str]:
    """`eoc feeds run` on the server's store, with this interpreter."""
    return [sys.executable, "-m", "eoc.cli", "feeds", "run", "--store", str(settings.store)]


def start_companion(settings) -> subprocess.Popen | None:
    """Start the runner if the settings ask for it and switch a feed on; None otherwise."""
    if not settings.feeds_in_process:
        return None
    if not configured_feeds(settings):
        log.warning("EOC_FEEDS_IN_PROCESS is set but no feed is configured: no runner started")
        return None
    process = subprocess.Popen(runner_command(settings), stdin=subprocess.DEVNULL)  # noqa: S603
    log.info("feed runner started as process %s", process.pid)
    return process


def stop_companion(process: subprocess.Popen | None, *, timeout_s: float = STOP_TIMEOUT_S) -> None:
    """Ask the runner to stop (SIGTERM: it releases the lease), then kill it if it lingers."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def gunicorn_hooks(settings) -> dict[str, object]:
    """gunicorn's `when_ready` and `on_exit` hooks that run the companion in the master."""
    if not settings.feeds_in_process:
        return {}
    held: dict[str, subprocess.Popen | None] = {}

    def when_ready(_server) -> None:
        held["runner"] = start_companion(settings)

    def on_exit(_server) -> None:
        stop_companion(held.pop("runner", None))

    return {"when_ready": when_ready, "on_exit": on_exit}
