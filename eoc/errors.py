"""Named errors, with messages a duty officer can act on."""

from __future__ import annotations

from collections.abc import Sequence

from layers.spec import N_
from layers.validation import Problem


def gettext(message: str) -> str:
    from eoc.i18n import gettext as translate  # late: eoc.i18n imports more than errors need

    return translate(message)


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
            gettext(
                "no store at {store}: run 'eoc init --store {store}' to build it from the seed"
            ).format(store=location)
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
        super().__init__(
            gettext(
                "{feature}: {field} was changed by {user} at {time} to {theirs} after you "
                "loaded it (you saw {yours}); nothing was saved — reload and apply your "
                "change again"
            ).format(
                feature=feature,
                field=field,
                user=changed_by or "?",
                time=changed_at or "?",
                theirs=repr(theirs),
                yours=repr(yours),
            )
        )


class NotFoundError(EocError):
    """A feature, user or layer that does not exist."""


class PublicationError(EocError):
    """A layer cannot be made public safely; nothing was published."""


class ExerciseError(EocError):
    """An exercise cannot start, play or stop as asked (eoc/exercise); the store is unchanged."""


class ScenarioError(ExerciseError):
    """A scenario file cannot be read: the line and column are in the message."""
