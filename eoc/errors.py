"""Named errors, with messages a duty officer can act on."""

from __future__ import annotations

from collections.abc import Sequence

from layers.spec import N_
from layers.validation import Problem


class EocError(Exception):
    """Base of every error this application raises on purpose."""


class ConfigError(EocError):
    """A setting is missing or wrong."""


class StoreError(EocError):
    """The store cannot be opened, read or written."""


class StoreNotInitialisedError(StoreError):
    """The store file does not exist yet."""

    def __init__(self, location: str) -> None:
        super().__init__(
            f"no store at {location}: run 'eoc init --store {location}' to build it from the seed"
        )


class ValidationError(EocError):
    """Data failed validation; nothing was written."""

    def __init__(self, problems: Sequence[Problem], *, action: str = N_("nothing was written")):
        self.problems = list(problems)
        self.action = action
        super().__init__(self.render())

    def render(self, translate=lambda message: message) -> str:
        """Every problem, one per line, in the language of `translate`."""
        lines = "\n".join(f"  - {p.render(translate)}" for p in self.problems)
        head = translate("{count} problem(s) found, {action}:").format(
            count=len(self.problems), action=translate(self.action)
        )
        return f"{head}\n{lines}"


class ConflictError(EocError):
    """Someone else changed the feature since the editor loaded it; nothing was written."""

    def __init__(
        self,
        feature: str,
        field: str,
        *,
        yours: object,
        theirs: object,
        changed_by: str | None = None,
        changed_at: str | None = None,
    ) -> None:
        self.feature, self.field = feature, field
        self.yours, self.theirs = yours, theirs
        self.changed_by, self.changed_at = changed_by, changed_at
        who = f" by {changed_by}" if changed_by else ""
        when = f" at {changed_at}" if changed_at else ""
        super().__init__(
            f"{feature}: {field} was changed{who}{when} to {theirs!r} after you loaded it "
            f"(you saw {yours!r}); nothing was saved — reload and apply your change again"
        )


class NotFoundError(EocError):
    """A feature, user or layer that does not exist."""


class PublicationError(EocError):
    """A layer cannot be made public safely; nothing was published."""
