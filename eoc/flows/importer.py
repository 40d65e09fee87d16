"""Read a DTM/Kobo flow-monitoring file (CSV or XLSX) into checked counts, all or nothing.

The file is read by eoc/io's readers (size, format, encoding and row limits), its columns
matched by eoc/io/columns.py (English and Russian names, HXL tags), and every row checked
(eoc/flows/values.py). One bad row refuses the whole file, naming the row as the spreadsheet
counts it and the field: nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from eoc.flows.values import SPEC, FlowCount, check_row
from eoc.i18n import _
from eoc.io.columns import map_columns
from eoc.io.limits import ImportLimits
from eoc.io.readers import read_source
from eoc.io.safety import ImportRefusedError

MAX_LISTED = 20  # problems named in one message; the rest are counted


class FlowImportError(ImportRefusedError):
    """The file's rows are not all valid counts; nothing was written."""


def read_flow_file(
    path: Path,
    *,
    limits: ImportLimits | None = None,
    mapping: Mapping[str, str] | None = None,
) -> list[FlowCount]:
    """Every row of `path` as a checked count; raises FlowImportError naming each bad row."""
    limits = limits or ImportLimits()
    deadline = limits.deadline(name=path.name)
    source = read_source(path, limits=limits)
    if source.is_vector:
        raise FlowImportError(
            _("{file} is a map file; flow counts come as a CSV or XLSX table").format(
                file=path.name
            )
        )
    columns = [str(c) for c in source.frame.columns]
    matched = map_columns(columns, SPEC, explicit=mapping, tags=source.tags)
    frame = source.frame.rename(columns=matched.renames)
    missing = [f.name for f in SPEC.fields if f.required and f.name not in frame.columns]
    if missing:
        raise FlowImportError(
            _("{file} has no column for {fields}; its columns are: {columns}").format(
                file=path.name, fields=", ".join(missing), columns=", ".join(columns)
            )
        )
    deadline.check()
    return check_rows(frame.to_dict("records"), source.row_numbers, name=path.name)


def check_rows(
    records: list[dict[str, object]], row_numbers: list[int], *, name: str
) -> list[FlowCount]:
    """The records as counts, or FlowImportError listing each bad row and field."""
    counts: list[FlowCount] = []
    problems: list[str] = []
    seen: dict[tuple[object, ...], int] = {}
    for record, row in zip(records, row_numbers, strict=True):
        count, found = check_row(record)
        for field, template, params in found:
            problems.append(
                _("row {row}, {field}: {problem}").format(
                    row=row, field=field, problem=_(template).format(**params)
                )
            )
        if count is None:
            continue
        if count.key in seen:
            problems.append(
                _("row {row}: the same point, day, direction, category, sex and age band "
                  "as row {first}").format(row=row, first=seen[count.key])
            )  # fmt: skip
            continue
        seen[count.key] = row
        counts.append(count)
    if problems:
        more = len(problems) - MAX_LISTED
        lines = problems[:MAX_LISTED]
        if more > 0:
            lines.append(_("… and {count} more problems").format(count=more))
        raise FlowImportError(
            _("{file} was not imported; nothing was written:").format(file=name)
            + "\n"
            + "\n".join(f"  - {line}" for line in lines)
        )
    return counts
