"""Exercise scenarios: a CSV file of timed injects and the player actions expected.

The format (documented in README.md, "Exercise mode"; example: data/exercises/):

- Lines starting with `#` are comments; `# key: value` comments before the header give the
  scenario's `title` (and `title_ru`, `title_tg`) and `illustrative` (yes/no).
- The header names the columns: `at_min,id,kind,target,value,severity,people,lat,lon,
  text,text_ru,text_tg,after,within_min` (any order; unknown columns are refused).
- One row per inject, applied at T+`at_min` exercise minutes:

  | kind | target | value | other columns |
  |---|---|---|---|
  | `feed_usgs`, `feed_gdacs` | a sample file beside the scenario | | text: what it is |
  | `incident`, `road_blocked` | | incident type (fixed for `road_blocked`) | severity, people,
  |  |  |  | lat, lon, text |
  | `site_population` | a site id | `+450` (arrivals) or `1200` (new total) | text |
  | `checkpoint_status` | a checkpoint id | open, restricted or closed | text |
  | `message` | | | text, text_ru, text_tg: to the players |

- One row per expected action, `kind` `expect`: `target` is what the players should do
  (EXPECTED_ACTIONS), `after` the inject it answers (empty: the start), `within_min` how
  many exercise minutes they have, `text` what it means.

A scenario is read from text and the sample files it names (`files`), so the sandbox can keep
all of it and replay it without the files.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from eoc.errors import ScenarioError
from eoc.i18n import _
from layers.border_checkpoints import CHECKPOINT_STATUSES
from layers.incidents import INCIDENT_SEVERITIES, INCIDENT_TYPES
from layers.spec import LONG_TEXT_LENGTH, MAX_PEOPLE

COLUMNS = (
    "at_min",
    "id",
    "kind",
    "target",
    "value",
    "severity",
    "people",
    "lat",
    "lon",
    "text",
    "text_ru",
    "text_tg",
    "after",
    "within_min",
)
FEED_KINDS = ("feed_usgs", "feed_gdacs")
INCIDENT_KINDS = ("incident", "road_blocked")
INJECT_KINDS = (*FEED_KINDS, *INCIDENT_KINDS, "site_population", "checkpoint_status", "message")
EXPECT = "expect"
# What players may be expected to do, each recognised in the audit log (eoc/exercise/timeline.py).
EXPECTED_ACTIONS = (
    "incident_logged",
    "incident_updated",
    "sitrep_published",
    "alert_drafted",
    "alert_published",
    "relocation_applied",
    "site_updated",
    "checkpoint_updated",
)
MAX_AT_MIN = 7 * 24 * 60  # a week of exercise time
MAX_ROWS = 500
ID_LENGTH = 40
TRUE_WORDS = ("yes", "true", "1")


@dataclass(frozen=True)
class Inject:
    """One timed inject."""

    inject_id: str
    at_min: float
    kind: str
    target: str = ""
    value: str = ""
    severity: str = ""
    people: int | None = None
    lat: float | None = None
    lon: float | None = None
    texts: Mapping[str, str] = field(default_factory=dict)  # en, ru, tg
    added_by: str = ""  # who added it live on the controller page; "" for the scenario's own

    @property
    def at_s(self) -> float:
        return self.at_min * 60.0

    def text(self, lang: str) -> str:
        return self.texts.get(lang) or self.texts.get("en", "")


@dataclass(frozen=True)
class Expectation:
    """An action the players should take within `within_min` of the inject `after`."""

    expect_id: str
    action: str
    within_min: float
    after: str = ""  # an inject id; empty: from the start of the exercise
    texts: Mapping[str, str] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        return self.texts.get(lang) or self.texts.get("en", "")


@dataclass(frozen=True)
class Scenario:
    """A scenario as read: its injects in time order, expectations, and where it came from."""

    name: str
    titles: Mapping[str, str]
    illustrative: bool
    injects: tuple[Inject, ...]
    expectations: tuple[Expectation, ...]
    text: str  # the CSV as read
    files: Mapping[str, str] = field(default_factory=dict)  # sample files named by injects

    def title(self, lang: str) -> str:
        return self.titles.get(lang) or self.titles.get("en") or self.name

    @property
    def digest(self) -> str:
        """SHA-256 of the scenario and its files: the same scenario, the same digest."""
        h = hashlib.sha256(self.text.encode())
        for name in sorted(self.files):
            h.update(name.encode() + b"\0" + self.files[name].encode() + b"\0")
        return h.hexdigest()

    def with_injects(self, added: tuple[Inject, ...]) -> Scenario:
        """The scenario with injects `added` live, in time order (its digest stays the file's)."""
        if not added:
            return self
        return replace(self, injects=tuple(sorted((*self.injects, *added), key=lambda i: i.at_min)))

    def inject(self, inject_id: str) -> Inject:
        for inject in self.injects:
            if inject.inject_id == inject_id:
                return inject
        raise ScenarioError(_("the scenario has no inject {id}").format(id=inject_id))


def read_scenario_file(path: str | Path) -> Scenario:
    """The scenario in the CSV file `path`, with the sample files its feed injects name."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ScenarioError(
            _("cannot read the scenario {path}: {error}").format(path=path, error=exc.strerror)
        ) from exc
    names = _feed_files(text, path.name)
    files = {}
    for name in names:
        sample = (path.parent / name).resolve()
        if sample.parent != path.parent.resolve():
            raise ScenarioError(
                _("{file}: the sample {name} must be beside the scenario").format(
                    file=path.name, name=name
                )
            )
        try:
            files[name] = sample.read_text(encoding="utf-8")
        except OSError as exc:
            raise ScenarioError(
                _("{file}: cannot read the sample {name}: {error}").format(
                    file=path.name, name=name, error=exc.strerror
                )
            ) from exc
    return parse_scenario(text, name=path.name, files=files)


def parse_scenario(text: str, *, name: str, files: Mapping[str, str] | None = None) -> Scenario:
    """The scenario in CSV `text`; ScenarioError names the line of the first problem."""
    files = dict(files or {})
    meta, rows = _split(text, name)
    injects: list[Inject] = []
    expectations: list[Expectation] = []
    seen: set[str] = set()
    for line, row in rows:
        where = _("{file}, line {line}").format(file=name, line=line)
        item_id = (row.get("id") or "").strip()
        if not item_id or len(item_id) > ID_LENGTH or not item_id.replace("-", "").isalnum():
            raise ScenarioError(
                _("{where}: id must be letters, digits and '-' (at most {n})").format(
                    where=where, n=ID_LENGTH
                )
            )
        if item_id in seen:
            raise ScenarioError(_("{where}: id {id} is used twice").format(where=where, id=item_id))
        seen.add(item_id)
        kind = (row.get("kind") or "").strip()
        if kind == EXPECT:
            expectations.append(_expectation(row, item_id, _texts(row, where), where))
        elif kind in INJECT_KINDS:
            injects.append(parse_inject(row, inject_id=item_id, where=where, files=files))
        else:
            raise ScenarioError(
                _("{where}: kind '{kind}' is not one of {kinds}").format(
                    where=where, kind=kind, kinds=", ".join((*INJECT_KINDS, EXPECT))
                )
            )
    if not injects:
        raise ScenarioError(_("{file}: the scenario has no injects").format(file=name))
    ids = {i.inject_id for i in injects}
    for expectation in expectations:
        if expectation.after and expectation.after not in ids:
            raise ScenarioError(
                _("{file}: expectation {id} follows {after}, which is no inject").format(
                    file=name, id=expectation.expect_id, after=expectation.after
                )
            )
    titles = {
        lang: meta[key]
        for lang, key in (("en", "title"), ("ru", "title_ru"), ("tg", "title_tg"))
        if meta.get(key)
    }
    return Scenario(
        name=name,
        titles=titles,
        illustrative=meta.get("illustrative", "").lower() in TRUE_WORDS,
        injects=tuple(sorted(injects, key=lambda i: i.at_min)),  # stable: file order at a tie
        expectations=tuple(expectations),
        text=text,
        files={k: v for k, v in files.items() if k in _feed_files(text, name)},
    )


def _split(text: str, name: str) -> tuple[dict[str, str], list[tuple[int, dict[str, str]]]]:
    meta: dict[str, str] = {}
    body: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("#"):
            key, sep, value = stripped.lstrip("#").partition(":")
            if sep and not body and key.strip().isidentifier():
                meta[key.strip().lower()] = value.strip()
            continue
        if stripped:
            body.append((number, line))
    if not body:
        raise ScenarioError(_("{file}: no header line").format(file=name))
    reader = csv.DictReader(io.StringIO("\n".join(line for _n, line in body)))
    header = [h.strip() for h in reader.fieldnames or []]
    unknown = [h for h in header if h not in COLUMNS]
    if unknown or "id" not in header or "kind" not in header:
        raise ScenarioError(
            _("{file}, line {line}: the columns are {columns}; found {found}").format(
                file=name, line=body[0][0], columns=",".join(COLUMNS), found=",".join(header)
            )
        )
    reader.fieldnames = header
    rows = [(body[i + 1][0], row) for i, row in enumerate(reader)]
    if len(rows) > MAX_ROWS:
        raise ScenarioError(_("{file}: more than {n} rows").format(file=name, n=MAX_ROWS))
    for line, row in rows:
        if None in row:
            raise ScenarioError(
                _(
                    "{file}, line {line}: more values than columns (a comma in a text needs quotes)"
                ).format(file=name, line=line)
            )
    return meta, rows


def _feed_files(text: str, name: str) -> list[str]:
    _meta, rows = _split(text, name)
    return [
        (row.get("target") or "").strip()
        for _line, row in rows
        if (row.get("kind") or "").strip() in FEED_KINDS and (row.get("target") or "").strip()
    ]


def _texts(
    row: Mapping[str, str | None], where: str, names: Mapping[str, str] | None = None
) -> dict[str, str]:
    texts = {}
    for lang, column in (("en", "text"), ("ru", "text_ru"), ("tg", "text_tg")):
        value = (row.get(column) or "").strip()
        if len(value) > LONG_TEXT_LENGTH:
            raise ScenarioError(
                _("{where}: {column} is longer than {n} characters").format(
                    where=where, column=(names or {}).get(column, column), n=LONG_TEXT_LENGTH
                )
            )
        if value:
            texts[lang] = value
    return texts


def _number(
    row, column: str, where: str, *, low: float, high: float, names: Mapping[str, str] | None = None
) -> float | None:
    raw = str(row.get(column) or "").strip()
    if not raw:
        return None
    name = (names or {}).get(column, column)
    try:
        value = float(raw)
    except ValueError:
        raise ScenarioError(
            _("{where}: {column} '{value}' is not a number").format(
                where=where, column=name, value=raw[:20]
            )
        ) from None
    if not (math.isfinite(value) and low <= value <= high):
        raise ScenarioError(
            _("{where}: {column} must be from {low} to {high}").format(
                where=where, column=name, low=low, high=high
            )
        )
    return value


def _expectation(row, item_id: str, texts: dict[str, str], where: str) -> Expectation:
    action = (row.get("target") or "").strip()
    if action not in EXPECTED_ACTIONS:
        raise ScenarioError(
            _("{where}: an expected action is one of {actions}").format(
                where=where, actions=", ".join(EXPECTED_ACTIONS)
            )
        )
    within = _number(row, "within_min", where, low=0, high=MAX_AT_MIN)
    if within is None:
        raise ScenarioError(_("{where}: give within_min").format(where=where))
    return Expectation(item_id, action, within, (row.get("after") or "").strip(), texts)


def parse_inject(
    row: Mapping[str, str | None],
    *,
    inject_id: str,
    where: str,
    files: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    added_by: str = "",
) -> Inject:
    """One inject from its scenario columns (`row`: column -> text); ScenarioError says
    `where` and names the field: the column, or its name in `names` (a form's labels)."""
    files = files or {}

    def name(column: str) -> str:
        return (names or {}).get(column, column)

    kind = str(row.get("kind") or "").strip()
    if kind not in INJECT_KINDS:
        raise ScenarioError(
            _("{where}: {field} '{kind}' is not one of {kinds}").format(
                where=where, field=name("kind"), kind=kind, kinds=", ".join(INJECT_KINDS)
            )
        )
    texts = _texts(row, where, names)
    at_min = _number(row, "at_min", where, low=0, high=MAX_AT_MIN, names=names)
    if at_min is None:
        raise ScenarioError(
            _("{where}: give {field}, the minute of the inject").format(
                where=where, field=name("at_min")
            )
        )
    target = str(row.get("target") or "").strip()
    value = str(row.get("value") or "").strip()
    severity = str(row.get("severity") or "").strip()
    people = _number(row, "people", where, low=0, high=MAX_PEOPLE, names=names)
    lat = _number(row, "lat", where, low=-90, high=90, names=names)
    lon = _number(row, "lon", where, low=-180, high=180, names=names)

    def need(ok: bool, message: str) -> None:
        if not ok:
            raise ScenarioError(f"{where}: {message}")

    if kind in FEED_KINDS:
        need(target in files, _("the sample file {name} is missing").format(name=target or "?"))
    elif kind in INCIDENT_KINDS:
        if kind == "road_blocked":
            value = "road_blocked"
        need(
            value in INCIDENT_TYPES,
            _("{field} must be an incident type: {types}").format(
                field=name("value"), types=", ".join(INCIDENT_TYPES)
            ),
        )
        need(
            severity in INCIDENT_SEVERITIES,
            _("{field} must be one of {values}").format(
                field=name("severity"), values=", ".join(INCIDENT_SEVERITIES)
            ),
        )
        need(
            lat is not None and lon is not None,
            _("give {lat} and {lon}").format(lat=name("lat"), lon=name("lon")),
        )
    elif kind == "site_population":
        need(bool(target), _("{field} must be a site id").format(field=name("target")))
        digits = value[1:] if value[:1] in "+-" else value
        need(
            digits.isdigit(),
            _("{field} must be +N (arrivals), -N or a new total N").format(field=name("value")),
        )
        need(
            int(digits) <= MAX_PEOPLE,
            _("{field} must be at most {n}").format(field=name("value"), n=MAX_PEOPLE),
        )
    elif kind == "checkpoint_status":
        need(bool(target), _("{field} must be a checkpoint id").format(field=name("target")))
        need(
            value in CHECKPOINT_STATUSES,
            _("{field} must be one of {values}").format(
                field=name("value"), values=", ".join(CHECKPOINT_STATUSES)
            ),
        )
    elif kind == "message":
        need("en" in texts, _("a message needs its {field}").format(field=name("text")))
    return Inject(
        inject_id=inject_id,
        at_min=at_min,
        kind=kind,
        target=target,
        value=value,
        severity=severity,
        people=None if people is None else int(people),
        lat=lat,
        lon=lon,
        texts=texts,
        added_by=added_by,
    )
