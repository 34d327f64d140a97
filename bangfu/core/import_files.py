"""Uploaded import files hold the registry's personal data in full: they are kept only while
an import may still need them.

An upload is stored under MEDIA_ROOT/imports/ (never served: no URL maps the media folder,
and backups leave the folder out). The file is deleted when its job ends, unless that job
was a clean dry run whose commit will read the same file; such a file, never committed, is
deleted after BANGFU_IMPORT_FILE_DAYS days by the purge that runs at every import job's start
(and by `bangfu purge-imports`).
"""

from __future__ import annotations

import datetime
import time
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings

FOLDER = "imports"


def folder() -> Path:
    return Path(settings.MEDIA_ROOT) / FOLDER


def keep_days() -> float:
    return float(getattr(settings, "BANGFU_IMPORT_FILE_DAYS", 1))


def save_upload(upload: Any) -> Path:
    """Store an upload under a random name (the user's name is kept in the job's params)."""
    target = folder()
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{uuid.uuid4().hex}{Path(upload.name).suffix.lower()}"
    with path.open("wb") as f:
        for chunk in upload.chunks():
            f.write(chunk)
    path.chmod(0o600)
    return path


def still_needed(params: dict, result: Any) -> bool:
    """Only a clean dry run's file is needed again: its commit reads it."""
    if params.get("commit") or result is None:
        return False
    return not getattr(result, "problem_count", 1)


def release(params: dict, result: Any) -> None:
    """At the end of an import job (done or failed): delete its file unless a commit of this
    dry run still needs it."""
    if not still_needed(params, result):
        remove(params.get("path", ""))


def remove(path: str | Path) -> None:
    """Delete an import file; only a file inside the imports folder, never anything else."""
    if not path:
        return
    path = Path(path)
    if path.resolve().parent == folder().resolve():
        path.unlink(missing_ok=True)


def purge_leftovers(now: float | None = None) -> int:
    """Delete import files older than BANGFU_IMPORT_FILE_DAYS; the number deleted."""
    base = folder()
    if not base.exists():
        return 0
    cutoff = (now or time.time()) - datetime.timedelta(days=keep_days()).total_seconds()
    gone = 0
    for path in base.iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            gone += 1
    return gone


def available(params: dict) -> bool:
    """Whether a dry run's file is still there to be committed."""
    path = params.get("path", "")
    return bool(path) and Path(path).is_file()
