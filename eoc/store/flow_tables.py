"""The flow-monitoring registry table, described once in SQLAlchemy Core for both backends.

One row is one daily count at one flow monitoring point (a border checkpoint id, or another
place named as it is written) in one direction, for one category, sex and age band, as the
IOM Displacement Tracking Matrix (DTM) flow monitoring registry keeps it. The key columns are
unique together: an import or a form entry for a key already held replaces its count
(audited with the old and the new count). Writes go through eoc/flows/registry.py.
"""

from __future__ import annotations

import sqlalchemy as sa

from eoc.store.schema import METADATA, IsoTime

KEY_COLUMNS = ("day", "point_id", "direction", "category", "sex", "age_band")

flow_counts = sa.Table(
    "eoc_flow_counts",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("point_id", sa.Text, nullable=False),
    sa.Column("direction", sa.Text, nullable=False),  # in | out
    sa.Column("category", sa.Text, nullable=False),  # refugees | returning_migrants | other
    sa.Column("sex", sa.Text, nullable=False),  # female | male | unknown
    sa.Column("age_band", sa.Text, nullable=False),  # 0-4 | 5-17 | 18-59 | 60+ | unknown
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("source", sa.Text, nullable=False),  # the file, "form" or "seed"
    # The write token's nonce of a form entry: the same form sent to another process twice
    # is recognised by the store, not only by the process that redeemed it.
    sa.Column("entry_ref", sa.Text, unique=True),
    sa.Column("updated_at", IsoTime, nullable=False),
    sa.Column("updated_by", sa.Text, nullable=False),
    sa.UniqueConstraint(*KEY_COLUMNS, name="eoc_flow_counts_key"),
    sa.Index("eoc_flow_counts_day", "day"),
)
