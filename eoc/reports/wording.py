"""Words of the report in the current language: titles, headings, sentences and table cells.

Every renderer (HTML, PDF, Markdown) takes its text from here, so the three say the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from eoc.exercise.marking import EXERCISE_WORD, WATERMARK_NOTE
from eoc.i18n import N_, _, current_language, format_day, format_number, format_time
from eoc.reports.model import Column, Sentence, Sitrep, Spelling, Table

DISPLACED_LABEL = N_("estimated displaced people")
COVERAGE_LABEL = N_("Method and coverage")
STORE_LABEL = N_("EOC store")
ORGANISATION = N_("Committee of Emergency Situations and Civil Defence, Republic of Tajikistan")
# The same notice as the dashboard's footer: the shipped operational layers are a scenario.
SCENARIO_NOTICE = N_(
    "Operational layers (sites, hazard zones, checkpoints, projects, incidents) are an "
    "illustrative scenario built on real places, not real operational data. Roads are schematic."
)

__all__ = ["EXERCISE_WORD", "WATERMARK_NOTE"]  # for the templates: the exercise marking

# Sections in the order the report shows them: (key, heading msgid).
SECTIONS = {
    "highlights": N_("Highlights"),
    "key_figures": N_("Key figures"),
    "map": N_("Situation map"),
    "overview": N_("Situation overview"),
    "zones": N_("Hazard zones in force"),
    "exposure_region": N_("Exposure by region"),
    "exposure_district": N_("Exposure by district"),
    "sites": N_("Displacement sites in hazard zones"),
    "displaced": N_("Estimated displaced people and needs"),
    "checkpoints": N_("Border checkpoints"),
    "flows": N_("Arrivals at border points and when the sites will be full"),
    "infrastructure": N_("Infrastructure at risk"),
    "incidents": N_("Incidents of the period"),
    "alerts": N_("Alerts in force (CAP)"),
    "response": N_("Response"),
    "gaps": N_("Gaps and constraints"),
    "sources": N_("Data sources"),
}
NEEDS_WORDS = (
    # Needs items, units and frequencies of data/standards/needs_profiles.csv, for translation.
    N_("food"),
    N_("water (drinking cooking hygiene)"),
    N_("of which drinking water"),
    N_("water containers (10-20 l)"),
    N_("bathing soap"),
    N_("laundry soap"),
    N_("family kits"),
    N_("toilets (first phase)"),
    N_("toilets (longer term)"),
    N_("covered living space"),
    N_("rice"),
    N_("drinking water"),
    N_("clean water"),
    N_("toilets"),
    N_("kcal"),
    N_("l"),
    N_("kg"),
    N_("g"),
    N_("m2"),
    N_("kits"),
    N_("containers"),
    N_("daily"),
    N_("weekly"),
    N_("monthly"),
    N_("once"),
)


def title(report: Sitrep) -> str:
    if report.number is None:
        return _("Situation report — draft")
    return _("Situation report No. {number}").format(number=report.number)


def scope(report: Sitrep) -> str:
    if report.event is None:
        return _("Tajikistan, whole country")
    event = report.event
    what = event.description or _(event.incident_type.replace("_", " ").capitalize())
    return _("{event} ({id})").format(event=what, id=event.incident_id)


def header_rows(report: Sitrep) -> list[tuple[str, str]]:
    """(label, value) lines under the title."""
    return [
        (_("As of"), _("{time} Dushanbe time").format(time=format_time(report.as_of))),
        (
            _("Period"),
            _("{start} to {end}").format(
                start=format_time(report.period_start), end=format_time(report.as_of)
            ),
        ),
        (_("Produced by"), report.produced_by),
        (_("Next issue"), format_time(report.next_issue)),
        (
            _("Data"),
            _("store version {version}, data time {time}").format(
                version=report.store_version, time=format_time(report.data_time)
            ),
        ),
    ]


def sentence(item: Sentence) -> str:
    values = {
        name: (_(value) if name in item.translate and value else value_text(value))
        for name, value in item.values.items()
    }
    return _(item.msgid).format(**values)


def value_text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return format_number(value)
    if isinstance(value, float):
        return format_number(value, decimals=1)
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        return format_day(value, fmt="short")
    if isinstance(value, Spelling):
        return getattr(value, current_language(), value.en)
    return str(value)


def cell(value: Any, column: Column, regions: Mapping[str, Mapping[str, str]]) -> str:
    """One table cell as text in the current language."""
    if value is None or value == "":
        return "—" if column.kind != "text" else ""
    if isinstance(value, Sentence):  # e.g. "12 unnamed" for facilities counted in one row
        return sentence(value)
    if isinstance(value, Spelling):  # a checkpoint's name, in Cyrillic on tg and ru
        return shorten(value_text(value))
    if column.kind == "label":
        return _(str(value))
    if column.kind == "languages":
        texts = dict(value)
        return shorten(texts.get(current_language()) or texts.get("en") or "")
    if column.kind == "region":
        names = regions.get(str(value))
        return names.get(current_language(), names["en"]) if names else _(str(value))
    if column.kind == "int":
        return format_number(int(value))
    if column.kind == "decimal":
        return format_number(float(value), decimals=1)
    if column.kind == "pct":
        return format_number(float(value), decimals=0) + " %"
    if column.kind == "time":
        return format_time(value)
    if column.kind == "day":
        return format_day(value, fmt="short")
    return shorten(str(value))


# A text cell longer than this (a pasted log, a word of 100,000 letters) is cut: a table row
# stays readable and the PDF engine is never asked to lay out pages of one unbreakable word.
CELL_MAX_CHARS = 300


def shorten(text: str, limit: int = CELL_MAX_CHARS) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def table_rows(table: Table, regions: Mapping[str, Mapping[str, str]]) -> list[list[str]]:
    """Every row (and the total, last) as text."""
    rows = [*table.rows, *([table.total] if table.total else [])]
    return [
        [cell(value, column, regions) for value, column in zip(row, table.columns, strict=True)]
        for row in rows
    ]


def numeric(column: Column) -> bool:
    return column.kind in ("int", "decimal", "pct")


def coverage_notes(report: Sitrep) -> list[str]:
    """How the people figures were made and what they miss, as sentences."""
    return [sentence(item) for item in report.coverage]


def coverage_line(report: Sitrep) -> str:
    """The method note in one line, set under every table of people in zones."""
    return " ".join(coverage_notes(report)[:1])


def needs_note(report: Sitrep) -> str:
    return _(
        "Needs of {displaced} estimated displaced people under the {profile} minimum-needs "
        "profile; quantities rounded up."
    ).format(displaced=format_number(report.displaced), profile=report.needs_profile)


def map_caption(report: Sitrep) -> str:
    return _(
        "Hazard zones in force at {time} (Dushanbe time), occupied displacement sites sized "
        "by people, border checkpoints by status. Store version {version}."
    ).format(time=format_time(report.as_of), version=report.store_version)


def paragraphs(text: str) -> list[str]:
    """Free text split into paragraphs at blank lines."""
    return [part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]
