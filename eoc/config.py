"""Settings, built once at the edge from flags and environment; the only reader of os.environ."""

from __future__ import annotations

import dataclasses
import os
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from eoc.errors import ConfigError
from eoc.errors import gettext as _

PROJECT_DIR = Path(__file__).resolve().parents[1]
DEFAULT_STORE = PROJECT_DIR / "data" / "eoc.gpkg"
DEFAULT_SEED_DIR = PROJECT_DIR / "data" / "seed"
DEFAULT_SECRET_KEY_FILE = PROJECT_DIR / "data" / "secret_key"
DEFAULT_UPLOAD_DIR = PROJECT_DIR / "data" / "uploads"
# The EOC's CAP sender (CAP 1.2 §3.2.1 sender: "identifies the originator of this alert.
# Guaranteed by assigner to be unique globally; e.g., may be based on an Internet domain
# name"). Illustrative: the CoES sets its own registered address before real use.
DEFAULT_CAP_SENDER = "eoc@coes.tj"
MB = 1024 * 1024
TRUE_WORDS = ("1", "true", "yes", "on")
# Import limits: each must be above 0.
_IMPORT_LIMITS = (
    "import_max_rows",
    "import_max_bytes",
    "import_max_seconds",
    "upload_quota_bytes",
    "upload_max_age_s",
)


@dataclass(frozen=True)
class Settings:
    """Everything configurable, validated. See the configuration table in README.md."""

    store: str = str(DEFAULT_STORE)
    seed_dir: Path = DEFAULT_SEED_DIR
    host: str = "127.0.0.1"
    port: int = 8050
    online_tiles: bool = False
    debug: bool = False
    secret_key: str | None = None  # None: read or create `secret_key_file`
    secret_key_file: Path = DEFAULT_SECRET_KEY_FILE
    secure_cookies: bool = False  # set when served over HTTPS
    refresh_s: float = 10.0  # how often open pages ask whether the store changed
    stale_after_min: float = 30.0  # wall screen warns when the newest data is older
    # Sign-in and sessions (eoc/auth.py, eoc/web/login.py).
    login_max_failures: int = 5  # per name from one address; then refused for the window
    login_address_max_failures: int = 10  # per address over all names (password spraying)
    login_window_s: float = 900.0
    # Relocation planner: the rules a plan starts from (the page and `eoc plan-relocation`).
    relocation_fill_limit_pct: float = 90.0  # sites fill to this share; room for arrivals
    relocation_max_distance_km: float = 250.0  # farther sites are not offered
    relocation_long_trip_km: float = 150.0  # longer trips are warned about
    # -- imports and uploads (eoc/io, /data) --
    import_max_rows: int = 50_000  # rows of one imported file
    import_max_bytes: int = 50 * MB  # size of one imported file
    import_max_seconds: float = 60.0  # reading and checking one file
    upload_dir: Path = DEFAULT_UPLOAD_DIR  # uploads waiting for their preview to be confirmed
    upload_quota_bytes: int = 100 * MB  # uploads one user may keep waiting at once
    upload_max_age_s: float = 3600.0  # unconfirmed uploads older than this are removed
    session_idle_min: float = 60.0  # a session unused this long ends
    session_max_h: float = 12.0  # and every session ends this long after sign-in
    # -- serving (gunicorn workers, the shared cache of public answers) --------------------
    workers: int | None = None  # None: sized to the machine (see eoc/web/gunicorn_app.py)
    threads: int | None = None
    redis_url: str | None = None  # the public cache shared by several app servers
    cache_dir: Path | None = None  # None: a `cache` folder beside a GeoPackage store
    # -- live feeds (eoc feeds run); an empty URL switches a feed off --
    feed_usgs_url: str = "2.5_day"  # a USGS summary feed name or URL
    feed_usgs_interval_s: float = 60.0
    feed_gdacs_url: str = "https://www.gdacs.org/gdacsapi/api/events/geteventlist/EVENTS4APP"
    feed_gdacs_interval_s: float = 600.0
    feed_timeout_s: float = 10.0
    # Drafts after a significant event (eoc/feeds/drafts.py): a USGS earthquake of at least
    # this magnitude in the area, or a GDACS alert of these levels (comma-separated; empty:
    # none by alert level).
    # The dashboard server starts `eoc feeds run` as one companion process of its own
    # (eoc/feeds/companion.py) instead of a separate service.
    feeds_in_process: bool = False
    feed_draft_min_magnitude: float = 5.5
    feed_draft_gdacs_levels: str = "orange,red"
    # -- warnings out (eoc/alerts) --
    cap_sender: str = DEFAULT_CAP_SENDER  # the <sender> of every CAP alert the EOC issues

    def __post_init__(self) -> None:
        self._check_relocation()
        if not 0 < self.port < 65536:
            raise ConfigError(_("port {port} is not between 1 and 65535").format(port=self.port))
        if not self.store:
            raise ConfigError(_("the store location is empty"))
        if not 0.5 <= self.refresh_s <= 3600:
            raise ConfigError(_("the refresh interval must be 0.5 to 3600 seconds"))
        if self.secret_key is not None and len(self.secret_key) < 32:
            raise ConfigError(_("EOC_SECRET_KEY must have at least 32 characters"))
        for name in ("workers", "threads"):
            count = getattr(self, name)
            if count is not None and not 1 <= count <= 64:
                raise ConfigError(
                    _("EOC_{name} must be a whole number from 1 to 64").format(name=name.upper())
                )
        _check_sign_in(self)
        for name in ("feed_usgs_interval_s", "feed_gdacs_interval_s", "feed_timeout_s"):
            if not 0.1 <= getattr(self, name) <= 86400:
                raise ConfigError(
                    _("EOC_{name} must be 0.1 to 86400 seconds").format(name=name.upper())
                )
        _check_drafts(self)
        _check_cap_sender(self)
        for name in _IMPORT_LIMITS:
            if not getattr(self, name) > 0:
                raise ConfigError(
                    _("EOC_{name} must be a number above 0").format(name=name.upper())
                )

    def _check_relocation(self) -> None:
        if not 0 < self.relocation_fill_limit_pct <= 100:
            raise ConfigError(_("EOC_RELOCATION_FILL_LIMIT_PCT must be above 0 and at most 100"))
        for name in ("relocation_max_distance_km", "relocation_long_trip_km"):
            if not getattr(self, name) > 0:
                raise ConfigError(_("EOC_{name} must be above 0").format(name=name.upper()))


def load_settings(
    overrides: Mapping[str, object] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Settings from flags (`overrides`; None means not given), then EOC_* variables, defaults."""
    env = os.environ if environ is None else environ
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    values = {**_from_env(env), **given}
    if "seed_dir" in values:
        values["seed_dir"] = Path(values["seed_dir"])
    if "store" in values:
        values["store"] = str(values["store"])
    return Settings(**values)


# Fields no EOC_* variable sets: the development server is chosen on the command line only.
_NOT_FROM_ENV = frozenset({"debug"})
# Fields for which a variable set but empty means "off" rather than "not given".
_EMPTY_MEANS_OFF = frozenset({"feed_usgs_url", "feed_gdacs_url", "feed_draft_gdacs_levels"})
# GDACS alert levels (https://www.gdacs.org/Knowledge/overview.aspx, "Alert levels").
GDACS_LEVELS = ("green", "orange", "red")


def _from_env(env: Mapping[str, str]) -> dict[str, object]:
    """Each field from its EOC_<FIELD> variable, read as the field's declared type."""
    values: dict[str, object] = {}
    for name, kind in _env_types().items():
        variable = f"EOC_{name.upper()}"
        raw = env.get(variable)
        if raw is None or (not raw and name not in _EMPTY_MEANS_OFF):
            continue
        try:
            values[name] = _PARSERS[kind](raw)
        except ValueError:
            raise ConfigError(
                _("EOC_{name}='{value}' is not a number").format(name=name.upper(), value=raw)
            ) from None
    return values


def _flag(raw: str) -> bool:
    return raw.strip().lower() in TRUE_WORDS


_PARSERS = {str: str.strip, Path: Path, int: int, float: float, bool: _flag}


def _env_types() -> dict[str, type]:
    """Field name -> its type, `X | None` read as X (None is the default, never written)."""
    hints = typing.get_type_hints(Settings)
    types: dict[str, type] = {}
    for field in dataclasses.fields(Settings):
        if field.name in _NOT_FROM_ENV:
            continue
        kind = hints[field.name]
        choices = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        types[field.name] = choices[0] if choices else kind
    return types


def _check_drafts(settings: Settings) -> None:
    if not 0 <= settings.feed_draft_min_magnitude <= 10:
        raise ConfigError(_("EOC_FEED_DRAFT_MIN_MAGNITUDE must be 0 to 10"))
    unknown = set(gdacs_levels(settings)) - set(GDACS_LEVELS)
    if unknown:
        raise ConfigError(
            _("EOC_FEED_DRAFT_GDACS_LEVELS: '{value}' is not one of {allowed}").format(
                value=", ".join(sorted(unknown)), allowed=", ".join(GDACS_LEVELS)
            )
        )


def _check_cap_sender(settings: Settings) -> None:
    # Late: eoc.alerts is above this module; the rule is CAP's, kept in one place there.
    from eoc.alerts.model import AlertError, check_cap_name

    try:
        check_cap_name("sender", settings.cap_sender)
    except AlertError:
        raise ConfigError(
            _(
                "EOC_CAP_SENDER='{value}' is not a CAP sender: give an address such as "
                "eoc@example.org, with no spaces, commas, '<' or '&' (CAP 1.2, 3.2.1)"
            ).format(value=settings.cap_sender)
        ) from None


def gdacs_levels(settings: Settings) -> frozenset[str]:
    """The GDACS alert levels that prepare drafts (lower case)."""
    words = settings.feed_draft_gdacs_levels.replace(" ", ",").split(",")
    return frozenset(w.strip().lower() for w in words if w.strip())


def _check_sign_in(settings: Settings) -> None:
    if settings.login_max_failures < 1 or settings.login_address_max_failures < 1:
        raise ConfigError(_("the sign-in failure limits must be at least 1"))
    if not 1 <= settings.login_window_s <= 86400:
        raise ConfigError(_("the sign-in window must be 1 to 86400 seconds"))
    if not 1 <= settings.session_idle_min <= settings.session_max_h * 60:
        raise ConfigError(
            _("the session idle time must be at least 1 minute and at most the session maximum")
        )


def language_from_environment(environ: Mapping[str, str] | None = None) -> str | None:
    """EOC_LANG, else the POSIX locale's language (LANG=ru_RU.UTF-8 -> 'ru')."""
    env = os.environ if environ is None else environ
    return env.get("EOC_LANG") or (env.get("LANG") or "").split("_")[0].split(".")[0] or None
