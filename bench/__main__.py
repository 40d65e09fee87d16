"""Run every benchmark (or those whose module name contains an argument) and print figures.

Every `bench/bench_*.py` module is one: exposure, influx, live, load (a real gunicorn under a public
flood and a day of EOC work: `python -m bench load`), relocation, sitrep.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    names = sorted(
        m.name
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name.startswith("bench_")
    )
    chosen = [n for n in names if not argv or any(a in n for a in argv)]
    missed = 0
    for name in chosen:
        print(f"# {name}", flush=True)
        for figure in importlib.import_module(f"bench.{name}").run():
            print(figure.line(), flush=True)
            missed += not figure.ok
    print(f"# {len(chosen)} benchmark module(s), {missed} figure(s) missed their target")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
