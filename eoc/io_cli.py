"""`eoc import` and `eoc export`: files in and out of the store from the command line.

eoc import displacement_sites dtm_round5.xlsx --mode upsert --reason "DTM round 5"
eoc import hazard_zones zones.zip --crs 28412 --skip-invalid
eoc export displacement_sites --format hxl --out sites.csv --public
eoc sites unprotect TJ-DS-0050 --type collective_centre --reason "shelter closed" --user chief
"""

from __future__ import annotations

import argparse
import getpass
from datetime import UTC, datetime
from pathlib import Path

import layers
from eoc.config import Settings
from eoc.errors import EocError, StoreNotInitialisedError
from eoc.i18n import _
from eoc.io.columns import parse_map_options
from eoc.io.exporters import EXPORT_FORMATS, export_layer
from eoc.io.importer import (
    LISTED_PROBLEMS,
    MODES,
    apply_import,
    check_import_right,
    describe_problems,
    prepare_import,
)
from eoc.io.limits import ImportLimits
from eoc.io.raster import import_raster_command, is_raster
from eoc.site_edits import change_protection
from eoc.store import Store, open_store
from layers.displacement_sites import SITE_TYPES

COUNTRY_FILE = "tj_adm0.geojson"


def _say(message: str) -> None:
    from eoc.cli import _say as say  # late: eoc.cli imports this module

    say(message)


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add the `import` and `export` subcommands to the `eoc` parser."""
    from eoc.cli import add_lang_argument, add_store_argument  # late: eoc.cli imports us

    names = list(layers.REGISTRY)
    imp = sub.add_parser(
        "import",
        help="import a file into a layer (GeoJSON, GeoPackage, zipped Shapefile, KML, CSV, XLSX;"
        " a GeoTIFF population grid into population_grids)",
    )
    imp.add_argument("layer", choices=names, metavar="LAYER", help="the layer to load into")
    imp.add_argument("file", type=Path, help="the file to import")
    imp.add_argument(
        "--mode",
        choices=MODES,
        default="replace",
        help="replace: the layer becomes the file; upsert: add or update rows by id",
    )
    imp.add_argument("--crs", help="the file's coordinate system (EPSG code), if it does not say")
    imp.add_argument(
        "--skip-invalid",
        action="store_true",
        help="import the good rows; write the rejected ones to FILE.rejects.csv",
    )
    imp.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="COLUMN=FIELD",
        help="take FIELD (or lat/lon/wkt) from COLUMN; repeat as needed",
    )
    imp.add_argument("--layer", dest="source_layer", help="GeoPackage/KML layer or XLSX sheet")
    imp.add_argument("--reason", help="why (kept in the audit log; default: the file name)")
    imp.add_argument(
        "--user",
        help="the account that imports; its role's rights apply (default: cli:<login name>)",
    )
    imp.add_argument("--dry-run", action="store_true", help="check the file; write nothing")
    add_store_argument(imp)
    add_lang_argument(imp)
    imp.set_defaults(run=cmd_import)

    sites = sub.add_parser(
        "sites", help="protect or unprotect a site (admins; audited with a reason)"
    ).add_subparsers(dest="sites_command", required=True)
    for command, sensitive, text in (
        ("protect", True, "mark a site sensitive: it never reaches a public page"),
        ("unprotect", False, "clear a site's sensitive flag (and change its type)"),
    ):
        one = sites.add_parser(command, help=text)
        one.add_argument("site_id", metavar="ID")
        one.add_argument("--reason", required=True, help="why (kept in the audit log)")
        one.add_argument("--type", dest="site_type", choices=SITE_TYPES, help="the new site type")
        one.add_argument("--user", help="the admin account doing it (default: cli:<login name>)")
        add_store_argument(one)
        add_lang_argument(one)
        one.set_defaults(run=cmd_sites_protection, sensitive=sensitive)

    exp = sub.add_parser("export", help="write a layer as GeoPackage, HXL CSV or GeoJSON")
    exp.add_argument("layer", choices=names, metavar="LAYER")
    exp.add_argument("--format", required=True, choices=EXPORT_FORMATS, dest="fmt")
    exp.add_argument("--out", required=True, type=Path, help="the file to write")
    exp.add_argument(
        "--public", action="store_true", help="only the public view (sensitive rows dropped)"
    )
    add_store_argument(exp)
    add_lang_argument(exp)
    exp.set_defaults(run=cmd_export)


def cli_user(store: Store, name: str | None) -> tuple[str, str | None]:
    """(user name, role) of whoever runs a command: a named account, or the shell's operator.

    The operator (no --user) holds the store file itself and gets no role check (None).
    """
    if not name:
        return f"cli:{getpass.getuser()}", None
    record = store.get_user(name)
    if record is None:
        raise EocError(_("user '{name}' does not exist").format(name=name))
    return record.name, record.role


def cmd_sites_protection(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings.store)
    if not store.exists():
        raise StoreNotInitialisedError(store.location)
    user, role = cli_user(store, args.user)
    version = change_protection(
        store,
        args.site_id,
        sensitive=args.sensitive,
        site_type=args.site_type,
        user=user,
        role=role,
        reason=args.reason,
        now=datetime.now(UTC),
    )
    _say(
        _("site {id}: sensitive is now {value}; store version {version}").format(
            id=args.site_id, value=str(args.sensitive).lower(), version=version
        )
    )
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings.store)
    if not store.exists():
        raise StoreNotInitialisedError(store.location)
    user, role = cli_user(store, args.user)
    check_import_right(role, args.layer)
    if is_raster(args.file):  # a population grid: its own module (eoc/io/raster.py)
        return import_raster_command(store, args, say=_say)
    prepared = prepare_import(
        args.file,
        args.layer,
        country_path=settings.seed_dir / COUNTRY_FILE,
        crs=args.crs,
        mapping=parse_map_options(args.map),
        source_layer=args.source_layer,
        limits=ImportLimits.from_settings(settings),
    )
    for note in prepared.notes:
        _say(note)
    for notice in prepared.notices:
        _say(prepared.describe(notice, _))
    if args.dry_run:
        for line in describe_problems(prepared, prepared.problems, _, limit=LISTED_PROBLEMS):
            _say(line)
        ok = prepared.importable(skip_invalid=args.skip_invalid)
        _say(_("dry run: nothing was written") if ok else _("dry run: the file would be refused"))
        return 0 if ok else 1
    result = apply_import(
        store,
        prepared,
        mode=args.mode,
        skip_invalid=args.skip_invalid,
        user=user,
        role=role,
        reason=args.reason or _("import of {file}").format(file=args.file.name),
        now=datetime.now(UTC),
    )
    _say(
        _("{count} rows imported into {layer} ({mode}); store version {version}").format(
            count=result.imported, layer=args.layer, mode=args.mode, version=result.version
        )
    )
    if result.rejects_path:
        _say(
            _("{count} rows rejected; they and the reasons are in {path}").format(
                count=result.rejected, path=result.rejects_path
            )
        )
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings.store)
    if not store.exists():
        raise StoreNotInitialisedError(store.location)
    result = export_layer(store, args.layer, fmt=args.fmt, out=args.out, public=args.public)
    _say(
        _("{count} rows of {layer} written to {path} (store version {version})").format(
            count=result.rows, layer=args.layer, path=result.path, version=result.version
        )
    )
    return 0
