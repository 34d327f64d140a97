"""Backup and restore: one dated .tar.gz holding the database and the media folder.

Uploaded import files (media/imports/: whole registry spreadsheets, personal data in full,
kept only while an import needs them) are not included, and the manifest says so
(`import_files_included: false`): a backup must not keep what the app itself deletes.

SQLite is copied with its online backup API (a consistent copy while the app runs);
PostgreSQL with pg_dump, which reads one transaction-consistent snapshot. `restore` puts both
back and refuses to overwrite a database that holds data unless told to."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

FORMAT = 1
# Tables that `migrate` fills by itself: a database holding only these counts as empty.
BOOKKEEPING_TABLES = {
    "django_migrations",
    "django_content_type",
    "auth_permission",
    "auth_group",
    "auth_group_permissions",
    "django_session",
}


class BackupError(Exception):
    pass


def _vendor() -> str:
    return connection.vendor  # "sqlite" or "postgresql"


def _pg_args(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    args = []
    if settings_dict.get("HOST"):
        args += ["-h", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["-p", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["-U", str(settings_dict["USER"])]
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return args, env


def _dump_database(folder: Path) -> str:
    if _vendor() == "sqlite":
        target = folder / "db.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(target) as out:
            connection.connection.backup(out)
        out.close()
        return target.name
    if _vendor() == "postgresql":
        target = folder / "db.pgdump"
        args, env = _pg_args(connection.settings_dict)
        subprocess.run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                *args,
                "--file",
                str(target),
                connection.settings_dict["NAME"],
            ],
            check=True,
            env=env,
        )
        return target.name
    raise BackupError(f"unsupported database: {_vendor()}")


def create_backup(output: Path | None = None) -> Path:
    """Write the archive (to `output`, a file or folder; default var/backups/) and return it."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    name = f"bangfu-{stamp}.tar.gz"
    if output is None:
        output = Path(settings.VAR_DIR) / "backups" / name
    elif output.is_dir() or not output.name.endswith((".tar.gz", ".tgz")):
        output = output / name  # a folder
    output.parent.mkdir(parents=True, exist_ok=True)
    from bangfu.core import import_files

    media = Path(settings.MEDIA_ROOT)
    left_out = media / import_files.FOLDER

    def kept(path: Path) -> bool:
        return path != left_out and left_out not in path.parents

    def tar_filter(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        name = f"media/{import_files.FOLDER}"
        return None if info.name == name or info.name.startswith(name + "/") else info

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db_file = _dump_database(folder)
        files = [p for p in media.rglob("*") if p.is_file() and kept(p)] if media.exists() else []
        manifest = {
            "format": FORMAT,
            "created": datetime.datetime.now(datetime.UTC).isoformat(),
            "database": _vendor(),
            "database_file": db_file,
            "media_files": len(files),
            "import_files_included": False,
        }
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
        partial = output.with_name(output.name + ".part")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(folder / "manifest.json", arcname="manifest.json")
            tar.add(folder / db_file, arcname=db_file)
            if media.exists():
                tar.add(media, arcname="media", filter=tar_filter)
        partial.replace(output)  # never a half-written archive under the final name
    output.chmod(0o600)
    return output


def tables_with_data() -> list[str]:
    """Tables other than migrate's own bookkeeping that hold a row."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table in BOOKKEEPING_TABLES:
                continue
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")
            if cursor.fetchone():
                found.append(table)
    return found


def read_manifest(archive: Path) -> dict[str, Any]:
    with tarfile.open(archive, "r:gz") as tar:
        member = tar.extractfile("manifest.json")
        if member is None:
            raise BackupError("the archive has no manifest.json")
        return json.load(member)


def restore_backup(archive: Path, overwrite: bool = False) -> dict[str, Any]:
    """Bring the database and media back from `archive`. Refuses a database with data in it
    unless `overwrite`."""
    manifest = read_manifest(archive)
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown archive format {manifest.get('format')}")
    if manifest["database"] != _vendor():
        raise BackupError(
            f"the archive holds a {manifest['database']} database; this site uses {_vendor()}"
        )
    if not overwrite and (full := tables_with_data()):
        raise BackupError(
            f"the database holds data (in {', '.join(full[:5])}): pass --yes to overwrite it"
        )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(folder, filter="data")
        _load_database(folder / manifest["database_file"])
        media = Path(settings.MEDIA_ROOT)
        if media.exists():
            shutil.rmtree(media)
        if (folder / "media").exists():
            shutil.copytree(folder / "media", media)
        else:
            media.mkdir(parents=True, exist_ok=True)
    return manifest


def _load_database(source: Path) -> None:
    if _vendor() == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(source) as src:
            src.backup(connection.connection)
        src.close()
        return
    args, env = _pg_args(connection.settings_dict)
    connection.close()
    subprocess.run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            *args,
            "--dbname",
            connection.settings_dict["NAME"],
            str(source),
        ],
        check=True,
        env=env,
    )
