"""Tables of exercise mode, described once in SQLAlchemy Core for both store backends.

`eoc_exercise` marks a store as an exercise sandbox: a store holding a row here is a copy of
the live store made by `eoc exercise start`, and everything served from it is marked
EXERCISE. The row also keeps the scenario played (its file's text, so the sandbox explains
itself without the file) and the exercise clock as last set (speed, paused, and an anchor:
at `clock_anchor_at` the exercise clock read `clock_anchor_s` seconds). A live store never
holds a row: only the copy is marked, in the copy.

`eoc_exercise_injects`: one row per inject of the scenario once it is taken up, keyed by the
inject's id, so an inject is applied once even when the runner is stopped and started again
(eoc/exercise/injects.py): `state` is "applying" from the claim until its writes are done,
then "applied".

`eoc_exercise_added_injects`: the injects the controller added live (/exercise), one row
each: its scenario columns as entered (`fields`, read back through the scenario's own
parser), who added it and when. The sandbox's scenario is the file's injects and these.
"""

from __future__ import annotations

import sqlalchemy as sa

from eoc.store.schema import METADATA, IsoTime, JsonValue

exercise = sa.Table(
    "eoc_exercise",
    METADATA,
    sa.Column("exercise_id", sa.String(80), primary_key=True),
    sa.Column("scenario", sa.Text, nullable=False),  # the scenario's file name
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("titles", JsonValue),  # the title by language (en, ru, tg)
    sa.Column("scenario_text", sa.Text, nullable=False),  # the whole file, as it was read
    sa.Column("scenario_files", JsonValue),  # the sample files its feed injects name
    sa.Column("source_store", sa.Text, nullable=False),  # the live store it was copied from
    sa.Column("source_version", sa.Integer, nullable=False),  # its version at the copy
    sa.Column("started_at", IsoTime, nullable=False),
    sa.Column("started_by", sa.Text, nullable=False),
    sa.Column("start_version", sa.Integer, nullable=False),  # the sandbox's after the mark
    sa.Column("ended_at", IsoTime),
    sa.Column("ended_by", sa.Text),
    sa.Column("clock_speed", sa.Float, nullable=False, default=1.0),  # 0: stepped
    sa.Column("clock_paused", sa.Boolean, nullable=False, default=False),
    sa.Column("clock_anchor_at", IsoTime),  # None: the clock has not started
    sa.Column("clock_anchor_s", sa.Float, nullable=False, default=0.0),
)

injects = sa.Table(
    "eoc_exercise_injects",
    METADATA,
    sa.Column("inject_id", sa.String(40), primary_key=True),
    sa.Column("exercise_id", sa.String(80), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # applying, applied
    sa.Column("claimed_at", IsoTime, nullable=False),
    sa.Column("applied_at", IsoTime),
    sa.Column("exercise_s", sa.Float),  # the exercise clock when it was applied
    sa.Column("store_version", sa.Integer),  # of its write (None: it changed no layer)
    sa.Column("detail", JsonValue),  # what it did: ids written, the message's texts
)

added_injects = sa.Table(
    "eoc_exercise_added_injects",
    METADATA,
    sa.Column("inject_id", sa.String(40), primary_key=True),
    sa.Column("exercise_id", sa.String(80), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("at_min", sa.Float, nullable=False),
    sa.Column("fields", JsonValue, nullable=False),  # the scenario's columns -> text
    sa.Column("added_by", sa.Text, nullable=False),
    sa.Column("added_at", IsoTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),  # the store's, of the addition
)
