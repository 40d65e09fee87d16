"""The illustrative seed registry (data/seed/flow_counts.csv), loaded when the store is built."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from eoc.flows.importer import read_flow_file
from eoc.flows.registry import WriteSummary, replace_seed_counts
from eoc.flows.values import SPEC


def load_seed_flows(store, seed_dir: Path, *, now: datetime) -> WriteSummary | None:
    """Put the seed's counts in the registry (checked like any import); None without a file."""
    path = Path(seed_dir) / SPEC.seed_file
    if not path.is_file():
        return None
    return replace_seed_counts(store.sql, read_flow_file(path), now=now)
