"""Backup and restore of the whole installation: the database and the evidence files, in one archive.

PostgreSQL goes through pg_dump -Fc / pg_restore (the server's own consistent snapshot).
SQLite goes through sqlite3's online backup API, a page-exact copy; `dumpdata` would lose
data on the way (DjangoJSONEncoder cuts datetimes to milliseconds), which a restore must not.
The archive is a .tar.gz holding manifest.json, the database file and media/.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media"
DB_FILES = {"postgresql": "db.dump", "sqlite": "db.sqlite3"}


class BackupError(Exception):
    """The backup or restore could not be done; nothing was changed by a failed restore's database step."""


@dataclass
class Manifest:
    vendor: str
    created_at: str
    counts: dict[str, int] = field(default_factory=dict)
    media_files: int = 0
    format: int = FORMAT


def row_counts() -> dict[str, int]:
    """Rows per table of every installed model, the yardstick a restore is checked against."""
    counts = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            counts[model._meta.db_table] = model._base_manager.using(connection.alias).count()
    return dict(sorted(counts.items()))


def _pg_env_and_args() -> tuple[dict[str, str], list[str], str]:
    db = connection.settings_dict
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = []
    if db.get("HOST"):
        args += ["-h", str(db["HOST"])]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    if db.get("USER"):
        args += ["-U", str(db["USER"])]
    return env, args, str(db["NAME"])


def _run(command: list[str], env: dict[str, str] | None = None) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed")
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:2000]}")


def _dump_database(target: Path) -> None:
    if connection.vendor == "postgresql":
        env, args, name = _pg_env_and_args()
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", *args, "--file", str(target), name], env)
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)
        copy.close()
    else:
        raise BackupError(f"no backup method for {connection.vendor}")


def _load_database(source: Path) -> None:
    if connection.vendor == "postgresql":
        env, args, name = _pg_env_and_args()
        connections.close_all()  # pg_restore --clean drops tables; an idle session of ours must not hold them
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                *args,
                "--dbname",
                name,
                str(source),
            ],
            env,
        )
    else:
        connection.ensure_connection()
        with sqlite3.connect(source) as backup:
            backup.backup(connection.connection)
        backup.close()


def backup_create(*, output: Path) -> Manifest:
    """Write one archive with the database and every media file; return what it holds."""
    media_root = Path(settings.MEDIA_ROOT)
    manifest = Manifest(vendor=connection.vendor, created_at=timezone.now().isoformat())
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tracker-backup-") as tmp:
        db_file = Path(tmp) / DB_FILES.get(connection.vendor, "db")
        _dump_database(db_file)
        manifest.counts = row_counts()
        partial = output.with_name(output.name + ".part")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(db_file, arcname=db_file.name)
            if media_root.is_dir():
                for path in sorted(p for p in media_root.rglob("*") if p.is_file()):
                    archive.add(path, arcname=f"{MEDIA}/{path.relative_to(media_root).as_posix()}")
                    manifest.media_files += 1
            data = json.dumps(asdict(manifest), ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(timezone.now().timestamp())
            with tempfile.TemporaryFile() as buffer:
                buffer.write(data)
                buffer.seek(0)
                archive.addfile(info, buffer)
        partial.replace(output)  # a half-written archive never carries the final name
    return manifest


def backup_restore(*, archive: Path) -> Manifest:
    """Replace the database and the media files with the archive's; check the row counts after."""
    with tempfile.TemporaryDirectory(prefix="tracker-restore-") as tmp:
        root = Path(tmp)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(root, filter="data")  # refuses absolute paths, "..", devices and links out
        try:
            manifest = Manifest(**json.loads((root / MANIFEST).read_text()))
        except (OSError, TypeError, ValueError) as exc:
            raise BackupError(f"{archive} is not a Campaign Tracker backup") from exc
        if manifest.format != FORMAT or manifest.vendor != connection.vendor:
            raise BackupError(
                f"backup of {manifest.vendor} (format {manifest.format}) cannot go into {connection.vendor}"
            )
        _load_database(root / DB_FILES[manifest.vendor])
        _replace_media(root / MEDIA, Path(settings.MEDIA_ROOT))
    restored = row_counts()
    missing = {table: (n, restored.get(table)) for table, n in manifest.counts.items() if restored.get(table) != n}
    if missing:
        raise BackupError(f"row counts differ after restore (expected, found): {missing}")
    return manifest


def _replace_media(source: Path, media_root: Path) -> None:
    """Make MEDIA_ROOT hold exactly the archive's files, without deleting the folder itself (a mount point)."""
    media_root.mkdir(parents=True, exist_ok=True)
    wanted = {p.relative_to(source) for p in source.rglob("*") if p.is_file()} if source.is_dir() else set()
    for path in sorted(media_root.rglob("*"), reverse=True):
        relative = path.relative_to(media_root)
        if path.is_file() and relative not in wanted:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    for relative in wanted:
        target = media_root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / relative, target)
        target.chmod(settings.FILE_UPLOAD_PERMISSIONS)
