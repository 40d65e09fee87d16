"""What an incoming file must pass before anything parses it: size, kind, archive, encoding.

Every check here refuses with an `ImportRefusedError` whose message tells a duty officer what
is wrong with the file and what to do; nothing here writes outside a temporary folder.
"""

from __future__ import annotations

import codecs
import re
import shutil
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from eoc.errors import EocError
from eoc.i18n import _

MAX_FILE_BYTES = 50 * 1024 * 1024  # the largest file accepted (upload or CLI)
ZIP_MAX_MEMBERS = 200
ZIP_MAX_TOTAL_BYTES = 200 * 1024 * 1024  # everything in an archive, uncompressed
ZIP_MAX_RATIO = 100  # uncompressed / compressed, per member: beyond this it is a bomb
_ZIP_RATIO_FLOOR_BYTES = 1024 * 1024  # tiny members may compress well; no ratio check below

# Extension -> the format it claims to be. Only these are ever opened.
FORMATS: dict[str, str] = {
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
    ".zip": "shapefile_zip",
    ".kml": "kml",
    ".csv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
}
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError)
SQLITE_MAGIC = b"SQLite format 3\x00"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


class ImportRefusedError(EocError):
    """The file cannot be imported as it is; nothing was written."""


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str


def check_size(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> int:
    """The file's size in bytes; refused when empty or larger than `max_bytes`."""
    size = path.stat().st_size
    if size == 0:
        raise ImportRefusedError(_("{file} is empty").format(file=path.name))
    if size > max_bytes:
        raise ImportRefusedError(
            _("{file} is {size} MB; the limit is {limit} MB: split it or ask an admin").format(
                file=path.name, size=round(size / 1e6, 1), limit=round(max_bytes / 1e6)
            )
        )
    return size


def detect_format(path: Path) -> str:
    """The file's format, when its extension AND its first bytes agree; refused otherwise."""
    suffix = path.suffix.lower()
    kind = FORMATS.get(suffix)
    if kind is None:
        raise ImportRefusedError(
            _("{file}: files of type '{ext}' are not accepted; use one of: {formats}").format(
                file=path.name, ext=suffix or "?", formats=", ".join(sorted(FORMATS))
            )
        )
    with path.open("rb") as handle:
        head = handle.read(4096)
    if kind == "gpkg":
        ok = head.startswith(SQLITE_MAGIC)
    elif kind in ("shapefile_zip", "xlsx"):
        ok = head.startswith(ZIP_MAGIC)
    else:
        ok = _looks_like_text(head) and _text_kind_matches(kind, head)
    if not ok:
        raise ImportRefusedError(
            _("{file} does not contain what its name says ({ext}); nothing was read").format(
                file=path.name, ext=suffix
            )
        )
    return kind


def _looks_like_text(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    if _utf16_without_bom(head):
        return True
    # Binary formats have NUL bytes and other control bytes early on; text does not.
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls == 0


def _text_kind_matches(kind: str, head: bytes) -> bool:
    start = _decode_head(head).lstrip("\ufeff \t\r\n")
    if kind == "geojson":
        return start.startswith(("{", "["))
    if kind == "kml":
        return start.startswith("<")
    return not start.startswith(("{", "<"))  # a CSV that is really JSON or XML is refused


def _decode_head(head: bytes) -> str:
    for encoding in ("utf-16" if _is_utf16(head) else "utf-8", "cp1251"):
        text = head.decode(encoding, errors="ignore")
        if text:
            return text
    return ""


def _is_utf16(data: bytes) -> bool:
    return data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _utf16_without_bom(data)


def _utf16_without_bom(data: bytes) -> bool:
    return _utf16_order(data) is not None


def _utf16_order(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' for BOM-less UTF-16 of Latin or Cyrillic text, else None.

    In such text the high byte of nearly every code unit is 0x00 (ASCII) or 0x04 (Cyrillic).
    """
    sample = data[:4096]
    if len(sample) < 4:
        return None
    for order, high in (("utf-16-le", sample[1::2]), ("utf-16-be", sample[0::2])):
        if sum(1 for b in high if b in (0, 4)) > 0.9 * len(high):
            return order
    return None


# -- text ----------------------------------------------------------------------------------

_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_MIXED_WORD = re.compile(r"[A-Za-z][\u0400-\u04ff]|[\u0400-\u04ff][A-Za-z]")
_SUSPICIOUS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def decode_text(data: bytes, *, name: str) -> DecodedText:
    """`data` as text, strictly: UTF-8 (BOM or not), UTF-16 (BOM or not), else Cyrillic CP1251.

    Refused when none fits, so that a file is never read with garbled letters.
    """
    if data.startswith(codecs.BOM_UTF8):
        return DecodedText(_strict(data[3:], "utf-8", name), "utf-8-sig")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return DecodedText(_strict(data, "utf-16", name), "utf-16")
    encoding = _utf16_order(data)
    if encoding:
        return DecodedText(_strict(data, encoding, name), encoding)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return DecodedText(_plain_text(text, name), "utf-8")
    try:
        text = data.decode("cp1251")
    except UnicodeDecodeError:
        text = ""
    if text and _plausibly_cyrillic(text):
        return DecodedText(_plain_text(text, name), "cp1251")
    raise ImportRefusedError(
        _(
            "{file}: the text encoding is not UTF-8, UTF-16 or Cyrillic Windows-1251; "
            "save it as UTF-8 (in Excel: CSV UTF-8) and try again"
        ).format(file=name)
    )


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return _plain_text(data.decode(encoding), name).lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise ImportRefusedError(
            _("{file}: broken {encoding} text at byte {position}; nothing was read").format(
                file=name, encoding=encoding.upper(), position=exc.start
            )
        ) from None


def _plain_text(text: str, name: str) -> str:
    if _SUSPICIOUS.search(text):
        raise ImportRefusedError(
            _("{file} contains binary data, not text; nothing was read").format(file=name)
        )
    return text


def _plausibly_cyrillic(text: str) -> bool:
    """Bytes that are not UTF-8 are CP1251 only if their non-ASCII letters are Cyrillic."""
    non_ascii = [c for c in text if ord(c) > 127]
    if not non_ascii:
        return False
    cyrillic = sum(1 for c in non_ascii if _CYRILLIC.match(c))
    # Western text read as CP1251 turns 'café' into 'cafй': Latin and Cyrillic in one word.
    return cyrillic >= 0.9 * len(non_ascii) and not _MIXED_WORD.search(text)


# -- archives ------------------------------------------------------------------------------


def check_zip(path: Path) -> list[zipfile.ZipInfo]:
    """The members of a zip archive, checked from its directory BEFORE anything is extracted.

    Refused: a broken archive, too many members, names that climb out of the folder (`../`,
    absolute, drive letters), encrypted members, and decompression bombs (total size, ratio).
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except _ZIP_ERRORS as exc:
        raise ImportRefusedError(
            _("{file} is not a readable zip archive ({error})").format(file=path.name, error=exc)
        ) from None
    if len(members) > ZIP_MAX_MEMBERS:
        raise ImportRefusedError(
            _("{file} holds {count} files; at most {limit} are accepted").format(
                file=path.name, count=len(members), limit=ZIP_MAX_MEMBERS
            )
        )
    total = 0
    for member in members:
        if not safe_member_name(member.filename):
            raise ImportRefusedError(
                _("{file}: the archive entry '{name}' points outside the archive; refused").format(
                    file=path.name, name=member.filename
                )
            )
        if member.flag_bits & 0x1:
            raise ImportRefusedError(
                _("{file}: encrypted archives are not accepted").format(file=path.name)
            )
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > _ZIP_RATIO_FLOOR_BYTES and ratio > ZIP_MAX_RATIO:
            raise ImportRefusedError(_bomb_message(path))
    if total > ZIP_MAX_TOTAL_BYTES:
        raise ImportRefusedError(_bomb_message(path))
    return members


def _bomb_message(path: Path) -> str:
    return _(
        "{file} would unpack to more than {limit} MB or is compressed suspiciously well; refused"
    ).format(file=path.name, limit=round(ZIP_MAX_TOTAL_BYTES / 1e6))


def safe_member_name(name: str) -> bool:
    """Whether an archive entry's name stays inside the folder it is extracted to."""
    if not name or "\x00" in name or "\\" in name or re.match(r"^[A-Za-z]:", name):
        return False
    pure = PurePosixPath(name)
    return not pure.is_absolute() and ".." not in pure.parts


def extract_members(path: Path, names: Iterable[str], target: Path) -> list[Path]:
    """Extract the checked members `names` of archive `path` flat into `target`.

    Each member is copied with a byte limit of its declared size, so an archive whose
    directory lies about sizes cannot fill the disk.
    """
    members = {m.filename: m for m in check_zip(path)}
    written = []
    with zipfile.ZipFile(path) as archive:
        for name in names:
            member = members[name]
            out = target / PurePosixPath(name).name
            with archive.open(member) as source, out.open("wb") as sink:
                _copy_limited(source, sink, limit=member.file_size, name=path.name)
            written.append(out)
    return written


def _copy_limited(source, sink, *, limit: int, name: str) -> None:
    copied = 0
    try:
        while chunk := source.read(1024 * 1024):
            copied += len(chunk)
            if copied > limit:
                raise ImportRefusedError(
                    _("{file}: an archive entry is larger than it claims; refused").format(
                        file=name
                    )
                )
            sink.write(chunk)
    except _ZIP_ERRORS as exc:
        raise ImportRefusedError(
            _("{file} is not a readable zip archive ({error})").format(file=name, error=exc)
        ) from None


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
