"""Import data (`/data`, admins, duty officers and CCCM): upload, preview every problem, confirm.

The uploaded file is kept on the server under a random token; the browser holds only the
token. The preview reads and checks the file and writes nothing; the confirm button runs the
same checks again on the server copy and writes in one audited store transaction, as a
background job (eoc/web/jobs.py): a large file does not hold a web worker.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import dash
from dash import Dash, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

import layers
from eoc.config import Settings
from eoc.errors import EocError, ValidationError
from eoc.i18n import N_, _, format_number
from eoc.io.crs import KNOWN_CRS
from eoc.io.importer import (
    PreparedImport,
    apply_import,
    check_import_right,
    describe_problems,
    prepare_import,
)
from eoc.io.limits import ImportLimits
from eoc.io.safety import FORMATS
from eoc.io.uploads import UploadArea, digest
from eoc.io_cli import COUNTRY_FILE
from eoc.permissions import Action, Role, may_import
from eoc.web import ids
from eoc.web.context import SETTINGS_KEY, current_cache, current_settings
from eoc.web.jobs import background_callback
from eoc.web.security import current_role, current_username, guarded_callback, guarded_layout

PREVIEW_ROWS = 20
SHOWN_PROBLEMS = 300
AS_IN_FILE = "file"
DEFAULT_LAYER = "displacement_sites"


@guarded_layout(Action.IMPORT_DATA)
def layout(**_query: str) -> html.Div:
    offered = importable_layers(current_role())
    layer_options = [{"label": _(layers.get(name).title), "value": name} for name in offered]
    max_bytes = current_settings().import_max_bytes
    crs_options = [{"label": _("As the file says (CSV/XLSX: WGS 84)"), "value": AS_IN_FILE}] + [
        {"label": f"EPSG:{code} — {label}", "value": str(code)} for code, label in KNOWN_CRS.items()
    ]
    return html.Div(
        className="data-page",
        children=[
            html.H2(_("Import data")),
            html.P(
                _(
                    "GeoJSON, GeoPackage, zipped Shapefile, KML, CSV or XLSX, at most {size} MB. "
                    "Nothing is written until you confirm the preview."
                ).format(size=format_number(round(max_bytes / 1e6))),
                className="muted",
            ),
            dcc.Upload(
                id=ids.IO_UPLOAD,
                className="io-upload",
                max_size=max_bytes,
                accept=",".join(sorted(FORMATS)),
                children=html.Div(_("Drop a file here or click to choose one")),
            ),
            html.Div(
                className="io-options",
                children=[
                    html.Label(_("Layer")),
                    dcc.Dropdown(
                        id=ids.IO_LAYER,
                        options=layer_options,
                        value=DEFAULT_LAYER
                        if DEFAULT_LAYER in offered
                        else next(iter(offered), None),
                        clearable=False,
                    ),
                    html.Label(_("Mode")),
                    dcc.RadioItems(
                        id=ids.IO_MODE,
                        options=[
                            {"label": _("Add or update rows by id"), "value": "upsert"},
                            {"label": _("Replace the whole layer"), "value": "replace"},
                        ],
                        value="upsert",
                    ),
                    html.Label(_("Coordinate system")),
                    dcc.Dropdown(
                        id=ids.IO_CRS, options=crs_options, value=AS_IN_FILE, clearable=False
                    ),
                    dcc.Input(
                        id=ids.IO_SOURCE_LAYER,
                        placeholder=_("layer or sheet in the file (optional)"),
                        debounce=True,
                    ),
                    dcc.Checklist(
                        id=ids.IO_SKIP,
                        options=[
                            {
                                "label": _("Import the good rows; list the rejected ones"),
                                "value": "skip",
                            }
                        ],
                        value=[],
                    ),
                    dcc.Input(id=ids.IO_REASON, placeholder=_("Reason (kept in the audit log)")),
                ],
            ),
            html.Div(id=ids.IO_PREVIEW, className="io-preview"),
            html.Button(_("Import"), id=ids.IO_CONFIRM, n_clicks=0, disabled=True),
            html.Div(id=ids.IO_RESULT, role="status"),
            dcc.Store(id=ids.IO_TOKEN),
            dcc.Download(id=ids.IO_REJECTS),
        ],
    )


# -- upload files on the server --------------------------------------------------------------


def upload_area(settings: Settings | None = None) -> UploadArea:
    """The configured upload folder, per-file limit and per-user quota."""
    settings = settings or current_settings()
    return UploadArea(
        root=Path(settings.upload_dir),
        max_file_bytes=settings.import_max_bytes,
        quota_bytes=settings.upload_quota_bytes,
        max_age_s=settings.upload_max_age_s,
    )


def importable_layers(role: Role | str | None) -> list[str]:
    """The layers `role` may import into, operational first (the dropdown offers only these)."""
    names = [*layers.OPERATIONAL, *layers.CONTEXT]
    return [name for name in names if may_import(role, name)]


# -- preview and confirm ------------------------------------------------------------------


def _prepare(path: Path, layer: str, crs: str | None, source_layer: str | None) -> PreparedImport:
    check_import_right(current_role(), layer)
    settings = current_settings()
    return prepare_import(
        path,
        layer,
        country_path=settings.seed_dir / COUNTRY_FILE,
        crs=None if crs in (None, "", AS_IN_FILE) else crs,
        source_layer=(source_layer or "").strip() or None,
        limits=ImportLimits.from_settings(settings),
    )


def preview_upload(
    contents: str | None,
    layer: str | None,
    crs: str | None,
    source_layer: str | None,
    skip: list[str] | None,
    filename: str | None,
    saved: dict | None,
):
    """Keep the upload on the server, read and check it; show rows and every problem."""
    if not contents and not saved:
        raise PreventUpdate
    area, user = upload_area(), current_username() or "?"
    try:
        if contents and (saved or {}).get("digest") != digest(contents):
            saved = area.save(contents, filename, user=user)
        prepared = _prepare(area.path(saved, user=user), layer or DEFAULT_LAYER, crs, source_layer)
    except EocError as exc:
        return _message(exc), True, saved
    skip_invalid = "skip" in (skip or [])
    return (
        build_preview(prepared, skip_invalid=skip_invalid),
        not prepared.importable(skip_invalid=skip_invalid),
        saved,
    )


def confirm_import(
    clicks: int | None,
    saved: dict | None,
    layer: str | None,
    mode: str | None,
    crs: str | None,
    source_layer: str | None,
    skip: list[str] | None,
    reason: str | None,
    *,
    now: datetime | None = None,
):
    """Check the server copy again and write it in one transaction; offer the rejects file."""
    if not clicks or not saved:
        raise PreventUpdate
    skip_invalid = "skip" in (skip or [])
    try:
        path = upload_area().path(saved, user=current_username() or "?")
        prepared = _prepare(path, layer or DEFAULT_LAYER, crs, source_layer)
        result = apply_import(
            current_cache().store,
            prepared,
            mode=mode or "upsert",
            skip_invalid=skip_invalid,
            user=current_username() or "?",
            role=current_role(),
            reason=(reason or "").strip() or _("upload of {file}").format(file=path.name),
            now=now or datetime.now(UTC),
        )
    except EocError as exc:
        return _message(exc), dash.no_update, False
    text = _("{count} rows imported into {layer}; store version {version}.").format(
        count=format_number(result.imported),
        layer=_(layers.get(prepared.layer).title),
        version=result.version,
    )
    download = dash.no_update
    if result.rejects_path:
        text += " " + _("{count} rows were rejected: see the downloaded list.").format(
            count=format_number(result.rejected)
        )
        download = {
            "content": result.rejects_path.read_text(encoding="utf-8-sig"),
            "filename": result.rejects_path.name,
        }
    shutil.rmtree(path.parent, ignore_errors=True)
    return html.Div(text, className="message-ok"), download, True


def import_job(set_progress, *args):
    """The job of the confirm button (see `confirm_import`), saying what it does meanwhile."""
    set_progress(html.Div(_("Checking the file again and importing it…"), className="muted"))
    return confirm_import(*args)


def _import_failed(message: str):
    return html.Div(message, className="message-error"), dash.no_update, False


def _message(exc: EocError) -> html.Div:
    text = exc.render(_) if isinstance(exc, ValidationError) else str(exc)
    return html.Div(text, className="message-error", style={"whiteSpace": "pre-line"})


def build_preview(prepared: PreparedImport, *, skip_invalid: bool) -> html.Div:
    """What the file holds and everything wrong with it, before anything is written."""
    problems = prepared.problems
    bad = set(prepared.bad_rows)
    if prepared.layer_problems:
        verdict = _("This file cannot be imported: fix the problems below.")
    elif problems and skip_invalid:
        verdict = _("{good} rows can be imported; {bad} rows will be rejected.").format(
            good=format_number(len(prepared.frame) - len(bad)), bad=format_number(len(bad))
        )
    elif problems:
        verdict = _(
            "{count} problem(s): nothing will be imported. Fix the file, or choose to import "
            "only the good rows."
        ).format(count=format_number(len(problems)))
    else:
        verdict = _("{count} rows are ready to import.").format(
            count=format_number(len(prepared.frame))
        )
    listed = [
        html.Li(line) for line in describe_problems(prepared, problems, _, limit=SHOWN_PROBLEMS)
    ]
    return html.Div(
        [
            html.P(verdict, className="message-error" if problems else "message-ok"),
            html.Ul([html.Li(note) for note in prepared.notes], className="io-notes muted"),
            html.Ul([html.Li(prepared.describe(n, _)) for n in prepared.notices]),
            html.Ul(listed, className="io-problems"),
            _preview_table(prepared, bad),
        ]
    )


def _preview_table(prepared: PreparedImport, bad: set[int]) -> html.Table:
    spec = prepared.spec
    names = [n for n in spec.field_names if n in prepared.frame.columns]
    head = html.Tr([html.Th(_("row")), *[html.Th(_(spec.field(n).title)) for n in names]])
    head.children.append(html.Th(_("Location")))
    rows = []
    for i in range(min(PREVIEW_ROWS, len(prepared.frame))):
        record = prepared.frame.iloc[i]
        cells = [html.Td(str(prepared.row_numbers[i]))]
        cells += [html.Td("" if _missing(record[n]) else str(record[n])) for n in names]
        geom = record.geometry
        where = "" if geom is None or geom.is_empty else geom.representative_point()
        cells.append(html.Td("" if where == "" else f"{where.y:.5f}, {where.x:.5f}"))
        rows.append(html.Tr(cells, className="io-bad-row" if i in bad else None))
    return html.Table([html.Thead(head), html.Tbody(rows)], className="io-table")


def _missing(value: object) -> bool:
    try:
        return value is None or bool(value != value)
    except (TypeError, ValueError):
        return False


def register(app: Dash) -> None:
    settings = app.server.config.get(SETTINGS_KEY)
    if settings is not None:
        upload_area(settings).remove_old()  # at start-up: what an earlier run left behind
    dash.register_page(
        __name__,
        path="/data",
        title=N_("EOC Tajikistan — Import data"),
        layout=layout,
        name=N_("Import data"),
        action=Action.IMPORT_DATA,
    )
    guarded_callback(
        app,
        Action.IMPORT_DATA,
        Output(ids.IO_PREVIEW, "children"),
        Output(ids.IO_CONFIRM, "disabled"),
        Output(ids.IO_TOKEN, "data"),
        Input(ids.IO_UPLOAD, "contents"),
        Input(ids.IO_LAYER, "value"),
        Input(ids.IO_CRS, "value"),
        Input(ids.IO_SOURCE_LAYER, "value"),
        Input(ids.IO_SKIP, "value"),
        State(ids.IO_UPLOAD, "filename"),
        State(ids.IO_TOKEN, "data"),
    )(preview_upload)
    background_callback(
        app,
        Action.IMPORT_DATA,
        Output(ids.IO_RESULT, "children"),
        Output(ids.IO_REJECTS, "data"),
        Output(ids.IO_CONFIRM, "disabled", allow_duplicate=True),
        Input(ids.IO_CONFIRM, "n_clicks"),
        State(ids.IO_TOKEN, "data"),
        State(ids.IO_LAYER, "value"),
        State(ids.IO_MODE, "value"),
        State(ids.IO_CRS, "value"),
        State(ids.IO_SOURCE_LAYER, "value"),
        State(ids.IO_SKIP, "value"),
        State(ids.IO_REASON, "value"),
        failed=_import_failed,
        progress=[Output(ids.IO_RESULT, "children", allow_duplicate=True)],
        prevent_initial_call=True,
    )(import_job)
