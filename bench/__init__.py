"""Benchmarks: each prints `NAME: VALUE UNIT (target OP VALUE) ok|MISS` lines.

A benchmark is a module `bench/bench_*.py` with a `run() -> list[Figure]` function.
`python -m bench` runs them all; `python -m bench exposure` runs the modules whose name
contains "exposure".
"""

from __future__ import annotations

import operator
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


@dataclass(frozen=True)
class Figure:
    """One measured figure and its target."""

    name: str
    value: float
    unit: str
    op: str
    target: float

    @property
    def ok(self) -> bool:
        return _OPS[self.op](self.value, self.target)

    def line(self) -> str:
        verdict = "ok" if self.ok else "MISS"
        return (
            f"{self.name}: {self.value:.4g} {self.unit} "
            f"(target {self.op} {self.target:g}) {verdict}"
        )


def median_seconds(fn: Callable[[], object], *, repeat: int = 5) -> float:
    """Median wall time of `repeat` calls of `fn` (the machine is shared: medians, not means)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
