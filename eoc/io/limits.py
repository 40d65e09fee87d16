"""How much work one import may cause: rows, bytes and seconds (Settings: EOC_IMPORT_*).

Small inputs can hold a lot of work (a GeoPackage view that generates rows, a CSV whose id
column was filled down): every reader stops at `max_rows + 1` rows and the steps of an import
check one deadline, so a file is refused with a message instead of holding a worker.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from eoc.i18n import _, format_number
from eoc.io.safety import MAX_FILE_BYTES, ImportRefusedError

DEFAULT_MAX_ROWS = 50_000
DEFAULT_MAX_SECONDS = 60.0


@dataclass(frozen=True)
class ImportLimits:
    max_rows: int = DEFAULT_MAX_ROWS
    max_bytes: int = MAX_FILE_BYTES
    max_seconds: float = DEFAULT_MAX_SECONDS

    @classmethod
    def from_settings(cls, settings: object) -> ImportLimits:
        return cls(
            max_rows=settings.import_max_rows,
            max_bytes=settings.import_max_bytes,
            max_seconds=settings.import_max_seconds,
        )

    def check_rows(self, count: int, *, name: str) -> None:
        """Refuse a file with more than `max_rows` rows (count may stop at max_rows + 1)."""
        if count > self.max_rows:
            raise ImportRefusedError(
                _(
                    "{file} has more than {limit} rows; split it, or ask an admin to raise "
                    "EOC_IMPORT_MAX_ROWS; nothing was read"
                ).format(file=name, limit=format_number(self.max_rows))
            )

    def deadline(self, *, name: str) -> Deadline:
        return Deadline(name=name, seconds=self.max_seconds)


@dataclass
class Deadline:
    """The time an import's reading and checking may take, checked between its steps."""

    name: str
    seconds: float
    start: float = field(default_factory=time.monotonic)

    def check(self) -> None:
        if time.monotonic() - self.start > self.seconds:
            raise ImportRefusedError(
                _(
                    "{file} took longer than {seconds} s to read and check; split it, or ask "
                    "an admin to raise EOC_IMPORT_MAX_SECONDS; nothing was written"
                ).format(file=self.name, seconds=format_number(round(self.seconds)))
            )
