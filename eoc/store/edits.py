"""Edits to features, as the store applies them: one transaction, validated, audited."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Edit:
    """A change to one feature.

    `changes` maps fields (and "geometry") to new values. `expected` maps fields to the values
    the editor saw when loading: if the stored value differs, the edit is refused (optimistic
    concurrency) instead of overwriting someone else's change.
    """

    feature_id: str
    changes: Mapping[str, object] = field(default_factory=dict)
    expected: Mapping[str, object] | None = None
    op: Literal["update", "insert", "delete"] = "update"
