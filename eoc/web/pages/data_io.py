"""Import data (`/data`, admins, duty officers and CCCM): upload, preview every problem, confirm.

The uploaded file is kept on the server under a random token; the browser holds only the
token. The preview reads and checks the file and writes nothing; the confirm button runs the
same checks again on the server copy and writes in one audited store transaction.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import dash
from dash import Dash, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

import layers
from eoc.errors import EocError, ValidationError
from eoc.i18n import N_, _, format_number
from eoc.io.crs import KNOWN_CRS
from eoc.io.importer import PreparedImport, apply_import, prepare_import
from eoc.io.safety import FORMATS, MAX_FILE_BYTES, ImportRefusedError
from eoc.io_cli import COUNTRY_FILE
from eoc.permissions import Action
from eoc.web import ids
from eoc.web.context import current_cache, current_settings
from eoc.web.security import current_username, guarded_callback, guarded_layout

UPLOAD_ROOT = Path(tempfile.gettempdir()) / "eoc-uploads"
UPLOAD_MAX_AGE_S = 3600  # uploads nobody confirmed are removed after an hour
PREVIEW_ROWS = 20
SHOWN_PROBLEMS = 300
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
AS_IN_FILE = "file"


@guarded_layout(Action.IMPORT_DATA)
def layout(**_query: str) -> html.Div:
    layer_options = [
        {"label": _(layers.get(name).title), "value": name} for name in layers.OPERATIONAL
    ]
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
                ).format(size=round(MAX_FILE_BYTES / 1e6)),
                className="muted",
            ),
            dcc.Upload(
                id=ids.IO_UPLOAD,
                className="io-upload",
                max_size=MAX_FILE_BYTES,
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
                        value="displacement_sites",
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


def save_upload(contents: str, filename: str, *, root: Path | None = None) -> dict:
    """Decode an upload into its own folder under `root`; return the token the page keeps."""
    root = root or UPLOAD_ROOT
    _, _sep, payload = (contents or "").partition(",")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ImportRefusedError(_("the upload was damaged; try again")) from None
    if len(data) > MAX_FILE_BYTES:
        raise ImportRefusedError(
            _("the file is larger than {limit} MB").format(limit=round(MAX_FILE_BYTES / 1e6))
        )
    _remove_old(root)
    token = secrets.token_hex(16)
    folder = root / token
    folder.mkdir(parents=True, mode=0o700)
    name = _safe_name(filename)
    (folder / name).write_bytes(data)
    return {"token": token, "name": name, "digest": _digest(contents)}


def _digest(contents: str) -> str:
    return hashlib.sha256(contents.encode()).hexdigest()[:32]


def upload_path(saved: dict | None, *, root: Path | None = None) -> Path:
    """The server copy of an upload, from the token the page sent back (checked)."""
    root = root or UPLOAD_ROOT
    token = str((saved or {}).get("token", ""))
    name = _safe_name(str((saved or {}).get("name", "")))
    path = root / token / name
    if not _TOKEN.match(token) or not path.is_file():
        raise ImportRefusedError(_("the uploaded file is gone; upload it again"))
    return path


def _safe_name(filename: str | None) -> str:
    base = Path(str(filename or "upload")).name
    stem, suffix = Path(base).stem, Path(base).suffix.lower()
    stem = re.sub(r"[^\w\-]+", "_", stem)[:80] or "upload"
    return stem + re.sub(r"[^a-z.]", "", suffix)


def _remove_old(root: Path) -> None:
    if not root.is_dir():
        return
    cutoff = time.time() - UPLOAD_MAX_AGE_S
    for folder in root.iterdir():
        if _TOKEN.match(folder.name) and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)


# -- preview and confirm ------------------------------------------------------------------


def _prepare(path: Path, layer: str, crs: str | None, source_layer: str | None) -> PreparedImport:
    return prepare_import(
        path,
        layer,
        country_path=current_settings().seed_dir / COUNTRY_FILE,
        crs=None if crs in (None, "", AS_IN_FILE) else crs,
        source_layer=(source_layer or "").strip() or None,
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
    try:
        if contents and (saved or {}).get("digest") != _digest(contents):
            saved = save_upload(contents, filename)
        prepared = _prepare(upload_path(saved), layer or "displacement_sites", crs, source_layer)
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
        path = upload_path(saved)
        prepared = _prepare(path, layer or "displacement_sites", crs, source_layer)
        result = apply_import(
            current_cache().store,
            prepared,
            mode=mode or "upsert",
            skip_invalid=skip_invalid,
            user=current_username() or "?",
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
    listed = [html.Li(prepared.describe(p, _)) for p in problems[:SHOWN_PROBLEMS]]
    if len(problems) > SHOWN_PROBLEMS:
        listed.append(
            html.Li(
                _("… and {count} more").format(count=format_number(len(problems) - SHOWN_PROBLEMS))
            )
        )
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
    guarded_callback(
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
        prevent_initial_call=True,
    )(confirm_import)
