"""The situation report as plain data: numbers, names and message ids, no formatting.

A `Sitrep` is built once from the store at one version (`eoc.reports.build`) and can then be
rendered in any language: every label and sentence is an English message id (translated by
the renderer with `_`) and every value is raw (int, float, datetime, code), formatted by the
renderer with the locale's number and date formats.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# How a table cell is shown: plain text, a whole number, a number with one decimal, a
# percentage (0–100), a time (shown in Dushanbe time), a message id to translate (a hazard
# type, a status) or a region code (shown as the region's name in the report's language).
CELL_KINDS = ("text", "int", "decimal", "pct", "time", "day", "label", "region", "languages")
# ("day": a calendar day, shown in the locale's short date form.)
# ("languages": a tuple of (language, text) pairs, shown in the report's language.)


@dataclass(frozen=True)
class Spelling:
    """A name as each language writes it: a place's Latin name and the Cyrillic spellings a
    Tajik and a Russian page show (eoc.i18n.place_name), so a report built once reads right
    in each language."""

    en: str
    ru: str
    tg: str

    def __str__(self) -> str:
        return self.en


@dataclass(frozen=True)
class Sentence:
    """A message id with named values, e.g. ("{count} sites over capacity", {"count": 3}).

    Values that are message ids themselves (a hazard name) are listed in `translate`.
    """

    msgid: str
    values: Mapping[str, Any] = field(default_factory=dict)
    translate: tuple[str, ...] = ()


@dataclass(frozen=True)
class KeyFigure:
    """A headline number, its label and a footnote that defines exactly what was counted."""

    key: str
    label: str
    value: int
    footnote: str


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"


@dataclass(frozen=True)
class Table:
    """Rows of raw values under translated column labels; `total` is an optional last row."""

    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]
    total: tuple[Any, ...] | None = None
    empty: str = "None."

    def column(self, key: str) -> list[Any]:
        index = [c.key for c in self.columns].index(key)
        return [row[index] for row in self.rows]


@dataclass(frozen=True)
class Event:
    """The event a report is about (an incident), with where it is relative to a place."""

    incident_id: str
    incident_type: str
    time: datetime
    description: str | None
    magnitude: float | None
    lon: float
    lat: float
    distance_km: float | None
    direction: str | None
    near_place: Spelling | None
    zone_ids: tuple[str, ...]


@dataclass(frozen=True)
class Source:
    name: str
    detail: str


@dataclass(frozen=True)
class FreeText:
    """Sections written by the duty officer; empty ones are left out of the report."""

    overview: str = ""
    response: str = ""
    gaps: str = ""


@dataclass(frozen=True)
class FlowSection:
    """Arrivals at flow monitoring points, the influx projection and days to full."""

    arrivals_title: Sentence
    arrivals: Table  # per point, the 7 days to the report's day
    projection: tuple[Sentence, ...]  # expected arrivals in 7 and 30 days, with the band
    days_to_full_title: Sentence
    days_to_full: Table  # per region, with the 80 % band
    notes: tuple[Sentence, ...]  # the method; the seed's illustrative counts; unlocated points


@dataclass(frozen=True)
class Sitrep:
    """One situation report, built from the store at `store_version`."""

    number: int | None  # None while a draft
    as_of: datetime  # UTC
    period_start: datetime  # UTC: the report covers period_start..as_of
    next_issue: datetime  # UTC
    produced_by: str
    event: Event | None  # None: the whole country
    store_version: int
    data_time: datetime | None
    needs_profile: str
    highlights: tuple[Sentence, ...]
    key_figures: tuple[KeyFigure, ...]
    exposure_by_region: Table
    exposure_by_district: Table
    zones: Table
    sites: Table
    displaced_by_zone: Table
    displaced: int
    needs: Table
    checkpoints: Table
    infrastructure: Table
    incidents: Table
    sources: tuple[Source, ...]
    region_names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    free_text: FreeText = FreeText()
    map_png: bytes | None = None
    # How the people figures were made and what they cover (shown with every exposure table).
    coverage: tuple[Sentence, ...] = ()
    alerts: Table | None = None  # CAP alerts in force (eoc/alerts/sitrep.py)
    flows: FlowSection | None = None  # None: no flow monitoring count up to the report's day
    exercise: str | None = None  # on an exercise sandbox, its title: every page is watermarked

    def figure(self, key: str) -> int:
        """The value of key figure `key`."""
        for item in self.key_figures:
            if item.key == key:
                return item.value
        raise KeyError(key)
