"""Backup of the whole installation: the database and the evidence files, in one archive.

PostgreSQL: the row counts of the manifest are read inside a REPEATABLE READ transaction whose
snapshot pg_dump then dumps (`pg_export_snapshot()` + `pg_dump --snapshot`), so manifest and dump
describe the same instant even while people keep writing. SQLite: sqlite3's online backup API
makes a page-exact copy and the counts are read from that copy (`dumpdata` would cut datetimes to
milliseconds, which a restore must not).
The archive (.tar.gz, written 0600) holds manifest.json with a SHA-256 of every member, the
database file and media/. Evidence files are added after the snapshot: a file written meanwhile
may be in the archive without its row (harmless), never a row without its file, since a file is
stored before its row commits and evidence files are never deleted.
`tracker.ops.restore` checks an archive and puts it back.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

FORMAT = 2
MANIFEST = "manifest.json"
MEDIA = "media"
DB_FILES = {"postgresql": "db.dump", "sqlite": "db.sqlite3"}
ARCHIVE_MODE = 0o600


class BackupError(Exception):
    """The backup or restore could not be done; a failed restore changed nothing."""


@dataclass
class Manifest:
    vendor: str
    created_at: str
    counts: dict[str, int] = field(default_factory=dict)
    media_files: int = 0
    format: int = FORMAT
    # SHA-256 of every member (the database file and media/...), checked before a restore starts.
    sha256: dict[str, str] = field(default_factory=dict)


def managed_tables() -> list[str]:
    return sorted(
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    )


def row_counts() -> dict[str, int]:
    """Rows per table of every installed model, the yardstick a restore is checked against."""
    with connection.cursor() as cursor:
        return {table: _count(cursor, table) for table in managed_tables()}


def _count(cursor, table: str) -> int:
    cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
    return int(cursor.fetchone()[0])


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def pg_env_and_args(name: str | None = None) -> tuple[dict[str, str], list[str], str]:
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
    return env, args, name or str(db["NAME"])


def run(command: list[str], env: dict[str, str] | None = None) -> str:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed")
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:2000]}")
    return result.stdout


@contextmanager
def _pg_snapshot() -> Iterator[str]:
    """A read-only REPEATABLE READ transaction kept open, and the id other sessions can share."""
    if connection.in_atomic_block:
        raise BackupError("a backup cannot run inside another transaction")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            yield str(cursor.fetchone()[0])


def _dump_database(target: Path) -> dict[str, int]:
    """Dump the database into `target`; return the row counts of the very state dumped."""
    if connection.vendor == "postgresql":
        env, args, name = pg_env_and_args()
        with _pg_snapshot() as snapshot:
            counts = row_counts()  # same transaction, same snapshot as the dump
            run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    *args,
                    "--file",
                    str(target),
                    name,
                ],
                env,
            )
        return counts
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)
        copy.close()
        return sqlite_counts(target)
    raise BackupError(f"no backup method for {connection.vendor}")


def sqlite_counts(path: Path, tables: list[str] | None = None) -> dict[str, int]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return {
            table: db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables or managed_tables()
        }


def backup_create(*, output: Path) -> Manifest:
    """Write one archive with the database and every media file; return what it holds."""
    media_root = Path(settings.MEDIA_ROOT)
    manifest = Manifest(vendor=connection.vendor, created_at=timezone.now().isoformat())
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tracker-backup-") as tmp:
        db_file = Path(tmp) / DB_FILES.get(connection.vendor, "db")
        manifest.counts = _dump_database(db_file)
        manifest.sha256[db_file.name] = sha256_of(db_file)
        partial = output.with_name(output.name + ".part")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, ARCHIVE_MODE)
        os.fchmod(descriptor, ARCHIVE_MODE)  # also when an older .part with wider rights was there
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            archive.add(db_file, arcname=db_file.name)
            if media_root.is_dir():
                for path in sorted(p for p in media_root.rglob("*") if p.is_file()):
                    name = f"{MEDIA}/{path.relative_to(media_root).as_posix()}"
                    manifest.sha256[name] = sha256_of(path)
                    archive.add(path, arcname=name)
                    manifest.media_files += 1
            data = json.dumps(asdict(manifest), ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(timezone.now().timestamp())
            info.mode = ARCHIVE_MODE
            with tempfile.TemporaryFile() as buffer:
                buffer.write(data)
                buffer.seek(0)
                archive.addfile(info, buffer)
        partial.replace(output)  # a half-written archive never carries the final name
    return manifest


def backups_prune(*, folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` archives of the folder; return what was deleted."""
    archives = sorted(folder.glob("tracker-*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    gone = archives[max(keep, 1) :]
    for path in gone:
        path.unlink(missing_ok=True)
    return gone
