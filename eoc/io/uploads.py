"""Uploaded files waiting for their preview to be confirmed: one folder per user, a quota.

    root/<user key>/<token>/<file name>

The browser keeps only the token; a token is looked up in its user's folder alone, so one
user cannot confirm (or read) another's upload. Uploads older than `max_age_s` are removed
on every upload and at start-up; a user's own oldest uploads make room for a new one within
the quota.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from eoc.i18n import _, format_number
from eoc.io.safety import ImportRefusedError

_TOKEN = re.compile(r"^[0-9a-f]{32}$")
_USER_KEY = re.compile(r"^[0-9a-f]{24}$")


@dataclass(frozen=True)
class UploadArea:
    """Where uploads wait, and how much of it each user may hold."""

    root: Path
    max_file_bytes: int
    quota_bytes: int
    max_age_s: float

    def save(self, contents: str, filename: str | None, *, user: str) -> dict:
        """Decode a Dash upload (`data:…;base64,…`) into the user's folder; the saved token."""
        _kind, _sep, payload = (contents or "").partition(",")
        limit = min(self.max_file_bytes, self.quota_bytes)
        # Refused before decoding: base64 is 4 characters for every 3 bytes.
        if len(payload) * 3 // 4 > limit + 3:
            raise ImportRefusedError(
                _("the file is larger than {limit} MB; split it or ask an admin").format(
                    limit=format_number(round(limit / 1e6))
                )
            )
        try:
            data = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            raise ImportRefusedError(_("the upload was damaged; try again")) from None
        if not data:
            raise ImportRefusedError(_("the upload was empty; choose the file again"))
        self.remove_old()
        self._make_room(user, len(data))
        token = secrets.token_hex(16)
        folder = self._user_folder(user) / token
        folder.mkdir(parents=True, mode=0o700)
        name = safe_name(filename)
        (folder / name).write_bytes(data)
        return {"token": token, "name": name, "digest": digest(contents)}

    def path(self, saved: dict | None, *, user: str) -> Path:
        """The server copy of the user's upload, from the token the page sent back (checked)."""
        token = str((saved or {}).get("token", ""))
        name = safe_name(str((saved or {}).get("name", "")))
        path = self._user_folder(user) / token / name
        if not _TOKEN.match(token) or not path.is_file():
            raise ImportRefusedError(_("the uploaded file is gone; upload it again"))
        return path

    def remove_old(self) -> int:
        """Remove every upload older than `max_age_s`; how many were removed."""
        if not self.root.is_dir():
            return 0
        cutoff = time.time() - self.max_age_s
        removed = 0
        for user_folder in self.root.iterdir():
            if not (_USER_KEY.match(user_folder.name) and user_folder.is_dir()):
                continue
            for folder in user_folder.iterdir():
                if _TOKEN.match(folder.name) and folder.stat().st_mtime < cutoff:
                    shutil.rmtree(folder, ignore_errors=True)
                    removed += 1
        return removed

    def used_bytes(self, user: str) -> int:
        return sum(size for _mtime, _folder, size in self._uploads(user))

    def _make_room(self, user: str, size: int) -> None:
        if size > self.quota_bytes:
            raise ImportRefusedError(
                _("the file is larger than your upload quota of {limit} MB").format(
                    limit=format_number(round(self.quota_bytes / 1e6))
                )
            )
        uploads = sorted(self._uploads(user))
        used = sum(size for _mtime, _folder, size in uploads)
        for _mtime, folder, folder_size in uploads:
            if used + size <= self.quota_bytes:
                break
            shutil.rmtree(folder, ignore_errors=True)
            used -= folder_size

    def _uploads(self, user: str) -> list[tuple[float, Path, int]]:
        base = self._user_folder(user)
        if not base.is_dir():
            return []
        found = []
        for folder in base.iterdir():
            if _TOKEN.match(folder.name) and folder.is_dir():
                size = sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
                found.append((folder.stat().st_mtime, folder, size))
        return found

    def _user_folder(self, user: str) -> Path:
        # A digest, not the name: any user name makes a safe folder name.
        return self.root / hashlib.sha256(user.encode()).hexdigest()[:24]


def digest(contents: str) -> str:
    return hashlib.sha256(contents.encode()).hexdigest()[:32]


def safe_name(filename: str | None) -> str:
    base = Path(str(filename or "upload")).name
    stem, suffix = Path(base).stem, Path(base).suffix.lower()
    stem = re.sub(r"[^\w\-]+", "_", stem)[:80] or "upload"
    return stem + re.sub(r"[^a-z.]", "", suffix)
