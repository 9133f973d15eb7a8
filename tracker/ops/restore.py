"""Checking and restoring a backup made by tracker.ops.backup.

`backup_verify` reads the whole archive before anything is touched: the manifest, the SHA-256 of
every member, and the database itself, restored into a scratch database (PostgreSQL) or opened
from a copy (SQLite) whose row counts must equal the manifest's. The restore drill stops there.
`backup_restore` verifies first, then replaces the database in one transaction
(`pg_restore --single-transaction`; SQLite's backup API) and only then the evidence files, which
were staged and checked beforehand: it replaces everything or, when a check fails, nothing.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, connections

from tracker.ops.backup import (
    DB_FILES,
    FORMAT,
    MANIFEST,
    MEDIA,
    BackupError,
    Manifest,
    pg_env_and_args,
    row_counts,
    run,
    sha256_of,
    sqlite_counts,
)

MEDIA_DIR_MODE = 0o750


@dataclass
class Verified:
    manifest: Manifest
    root: Path  # the extracted archive (a temporary folder)
    scratch_counts: dict[str, int]


@contextmanager
def _extracted(archive: Path) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="tracker-restore-") as tmp:
        root = Path(tmp)
        try:
            with tarfile.open(archive, "r:gz") as tar:
                tar.extractall(root, filter="data")  # refuses absolute paths, "..", devices and links out
        except (OSError, tarfile.TarError, EOFError) as exc:
            raise BackupError(f"{archive} is not a Campaign Tracker backup (unreadable: {exc})") from exc
        yield root


def _manifest(root: Path, archive: Path) -> Manifest:
    try:
        manifest = Manifest(**json.loads((root / MANIFEST).read_text()))
    except (OSError, TypeError, ValueError) as exc:
        raise BackupError(f"{archive} is not a Campaign Tracker backup") from exc
    if manifest.format not in (1, FORMAT) or manifest.vendor != connection.vendor:
        raise BackupError(f"backup of {manifest.vendor} (format {manifest.format}) cannot go into {connection.vendor}")
    return manifest


def _check_members(root: Path, manifest: Manifest) -> None:
    db_name = DB_FILES[manifest.vendor]
    if not (root / db_name).is_file():
        raise BackupError(f"the archive has no {db_name}")
    present = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} - {MANIFEST}
    if manifest.format >= 2:
        expected = set(manifest.sha256)
        if present != expected:
            raise BackupError(f"the archive's files differ from its manifest: {sorted(present ^ expected)[:10]}")
        for name, digest in manifest.sha256.items():
            if sha256_of(root / name) != digest:
                raise BackupError(f"{name} is damaged (checksum differs)")
    media = [name for name in present if name.startswith(MEDIA + "/")]
    if len(media) != manifest.media_files:
        raise BackupError(f"the archive holds {len(media)} evidence files, its manifest says {manifest.media_files}")


def _admin_connection():
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(
        dbname="postgres",
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        autocommit=True,
    )


def _pg_scratch_counts(dump: Path, tables: list[str]) -> dict[str, int]:
    """Restore the dump into a new database, count its rows, drop it."""
    import psycopg
    from psycopg import sql

    name = f"{connection.settings_dict['NAME']}_drill_{secrets.token_hex(4)}"[:63]
    with _admin_connection() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        env, args, _ = pg_env_and_args(name)
        run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", *args, "--dbname", name, str(dump)], env)
        db = connection.settings_dict
        with psycopg.connect(
            dbname=name,
            host=db.get("HOST") or None,
            port=db.get("PORT") or None,
            user=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
        ) as scratch:
            present = {row[0] for row in scratch.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
            counts: dict[str, int] = {}
            for table in tables:
                if table not in present:
                    counts[table] = -1  # reported as a difference
                    continue
                row = scratch.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
                counts[table] = int(row[0]) if row else -1
            return counts
    finally:
        with _admin_connection() as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _scratch_counts(root: Path, manifest: Manifest) -> dict[str, int]:
    dump = root / DB_FILES[manifest.vendor]
    tables = sorted(manifest.counts)
    if manifest.vendor == "postgresql":
        return _pg_scratch_counts(dump, tables)
    copy = root / "verify.sqlite3"
    shutil.copyfile(dump, copy)
    try:
        return sqlite_counts(copy, tables)
    except sqlite3.Error as exc:
        raise BackupError(f"the database file cannot be read: {exc}") from exc
    finally:
        copy.unlink(missing_ok=True)


@contextmanager
def backup_verify(*, archive: Path) -> Iterator[Verified]:
    """Check the whole archive, the database restored into a scratch copy included; touch nothing."""
    with _extracted(archive) as root:
        manifest = _manifest(root, archive)
        _check_members(root, manifest)
        counts = _scratch_counts(root, manifest)
        differ = {t: (n, counts.get(t)) for t, n in manifest.counts.items() if counts.get(t) != n}
        if differ:
            raise BackupError(f"the archive's database differs from its manifest (expected, found): {differ}")
        yield Verified(manifest=manifest, root=root, scratch_counts=counts)


def backup_restore(*, archive: Path) -> Manifest:
    """Replace the database and the evidence files with the archive's, after checking all of it."""
    with backup_verify(archive=archive) as verified:
        staged = _stage_media(verified.root / MEDIA, Path(settings.MEDIA_ROOT))
        _load_database(verified.root / DB_FILES[verified.manifest.vendor])
        _swap_media(staged, Path(settings.MEDIA_ROOT))
    restored = row_counts()
    differ = {t: (n, restored.get(t)) for t, n in verified.manifest.counts.items() if restored.get(t) != n}
    if differ:  # cannot happen after a verified load, unless someone wrote during the restore
        raise BackupError(f"row counts differ after restore (expected, found): {differ}")
    return verified.manifest


def _load_database(source: Path) -> None:
    if connection.vendor == "postgresql":
        env, args, name = pg_env_and_args()
        connections.close_all()  # pg_restore --clean drops tables; an idle session of ours must not hold them
        run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
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


def _stage_media(source: Path, media_root: Path) -> Path:
    """Copy the archive's files next to MEDIA_ROOT's content (same file system) before anything changes."""
    media_root.mkdir(parents=True, exist_ok=True)
    staging = media_root / f".restore-{secrets.token_hex(4)}"
    staging.mkdir(mode=MEDIA_DIR_MODE)
    if source.is_dir():
        for path in source.rglob("*"):
            if path.is_file():
                target = staging / path.relative_to(source)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
                target.chmod(settings.FILE_UPLOAD_PERMISSIONS or 0o640)
    return staging


def _swap_media(staging: Path, media_root: Path) -> None:
    """Make MEDIA_ROOT hold exactly the staged files (MEDIA_ROOT itself may be a mount point).

    The archive's files are moved in first (a rename on the same file system each), the files it
    does not have are removed after, so an interruption leaves every restored file in place.
    """
    wanted = {p.relative_to(staging) for p in staging.rglob("*") if p.is_file()}
    for relative in sorted(wanted):
        target = media_root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / relative, target)
    shutil.rmtree(staging, ignore_errors=True)
    for path in sorted(media_root.rglob("*"), reverse=True):
        relative = path.relative_to(media_root)
        if path.is_file() and relative not in wanted:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    for folder in [media_root, *(p for p in media_root.rglob("*") if p.is_dir())]:
        try:
            folder.chmod(MEDIA_DIR_MODE)
        except PermissionError:  # a mount point owned by someone else keeps its own rights
            pass
