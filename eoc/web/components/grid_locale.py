"""The data grid's own texts (filter menus, "Contains", "Filter…") in the page's language.

dash-ag-grid shows AG Grid's English texts unless given `localeText`; these are the keys of
AG Grid's locale (community edition, `AG_GRID_LOCALE_EN`) that the site and relocation grids
show: the column filters, their conditions and the empty-grid overlay.
"""

from __future__ import annotations

import math

from eoc.i18n import N_, _

GRID_TEXTS: dict[str, str] = {
    "filterOoo": N_("Filter…"),
    "searchOoo": N_("Search…"),
    "loadingOoo": N_("Loading…"),
    "noRowsToShow": N_("No rows to show"),
    "selectAll": N_("(Select all)"),
    "blanks": N_("(Blanks)"),
    "equals": N_("Equals"),
    "notEqual": N_("Does not equal"),
    "blank": N_("Blank"),
    "notBlank": N_("Not blank"),
    "empty": N_("Choose one"),
    "lessThan": N_("Less than"),
    "greaterThan": N_("Greater than"),
    "lessThanOrEqual": N_("Less than or equal to"),
    "greaterThanOrEqual": N_("Greater than or equal to"),
    "inRange": N_("Between"),
    "inRangeStart": N_("From"),
    "inRangeEnd": N_("To"),
    "contains": N_("Contains"),
    "notContains": N_("Does not contain"),
    "startsWith": N_("Begins with"),
    "endsWith": N_("Ends with"),
    "before": N_("Before"),
    "after": N_("After"),
    "andCondition": N_("AND"),
    "orCondition": N_("OR"),
    "applyFilter": N_("Apply"),
    "resetFilter": N_("Reset"),
    "clearFilter": N_("Clear"),
    "cancelFilter": N_("Cancel"),
    "filterConditions": N_("Conditions"),
    "sortAscending": N_("Sort ascending"),
    "sortDescending": N_("Sort descending"),
    "sortUnSort": N_("Clear sort"),
    "page": N_("Page"),
    "of": N_("of"),
    "to": N_("to"),
}


# Header height for wrapped headings: three lines, since the long Russian and Tajik ones
# ("Определяющая вместимость") take three in a narrow column. Fixed, not automatic: an
# automatic height re-lays the rows out under the user's pointer.
WRAPPED_HEADER_PX = 72
# A heading wraps between words, never inside one ("Определяю|щая" was read as two words):
# its column is at least as wide as its longest word. Measured on the grid's 13 px bold
# heading font, the widest Cyrillic letters; the rest is the cell's padding and its icons.
HEADER_LETTER_PX = 8.5
HEADER_ROOM_PX = 44


def header_min_width(header: str) -> int:
    """The width in px a column needs for the longest word of its `header` on one line."""
    longest = max((len(word) for word in header.split()), default=0)
    return math.ceil(longest * HEADER_LETTER_PX + HEADER_ROOM_PX)


def grid_locale_text() -> dict[str, str]:
    """AG Grid's `localeText` in the current language."""
    return {key: _(message) for key, message in GRID_TEXTS.items()}
