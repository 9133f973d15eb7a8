"""Backup → wipe → restore gives back the demo city row for row, evidence files included."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import stat
import tarfile
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from tests.conftest import PDF_BYTES, require_service, wait_for
from tracker.ops.backup import row_counts
from tracker.work import services
from tracker.work.models import Entry, Evidence, Task

pytestmark = pytest.mark.django_db(transaction=True)


def table_checksums() -> dict[str, str]:
    """A digest of every row of every table, in primary-key order."""
    sums = {}
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.managed or model._meta.proxy:
            continue
        digest = hashlib.sha256()
        fields = [f.attname for f in model._meta.concrete_fields]
        for row in model._base_manager.order_by("pk").values_list(*fields).iterator():
            digest.update(repr(row).encode())
        sums[model._meta.db_table] = digest.hexdigest()
    return sums


def media_checksums() -> dict[str, str]:
    root = Path(settings.MEDIA_ROOT)
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()
    }


def test_backup_wipe_restore_round_trips_the_demo_city(tmp_path):
    if connection.vendor == "postgresql":
        require_service("pg_dump", bool(shutil.which("pg_dump") and shutil.which("pg_restore")), "not on PATH")
    call_command("seed_campaign", verbosity=0)
    call_command("seed_demo", verbosity=0)
    task = Task.objects.filter(status="in_progress", campaign__is_active=True).first()  # not the closed first batch
    entry = services.entry_add(task=task, by=task.owner, text="备份测试", files=[_pdf()])
    services.entry_delete(entry=services.entry_add(task=task, by=task.owner, text="删了"), by=task.owner)
    rows, sums, files = row_counts(), table_checksums(), media_checksums()
    assert rows["work_task"] > 1000 and rows["work_entry"] > 1000 and files

    archive = tmp_path / "tracker.tar.gz"
    call_command("backup", output=archive, verbosity=0)

    # Wipe: every table emptied, every file gone; then a stray file that the restore must remove.
    call_command("flush", interactive=False, verbosity=0)
    for path in Path(settings.MEDIA_ROOT).iterdir():
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    (Path(settings.MEDIA_ROOT) / "stray.txt").write_text("not in the backup")
    assert Task.objects.count() == 0

    call_command("restore", str(archive), interactive=False, verbosity=0)
    assert row_counts() == rows
    assert table_checksums() == sums
    assert media_checksums() == files
    evidence = Evidence.objects.get(entry=entry)
    assert Path(evidence.file.path).read_bytes() == PDF_BYTES
    assert Entry.all_objects.deleted().filter(task=task).count() == 1  # soft-deleted rows come back too


def test_restore_refuses_something_that_is_not_a_backup(tmp_path):
    import tarfile

    bogus = tmp_path / "bogus.tar.gz"
    with tarfile.open(bogus, "w:gz") as archive:
        note = tmp_path / "note.txt"
        note.write_text("hello")
        archive.add(note, arcname="note.txt")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a Campaign Tracker backup"):
        call_command("restore", str(bogus), interactive=False, verbosity=0)


def _pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("纪要.pdf", PDF_BYTES, content_type="application/pdf")


# --- consistency under writes, verification before restore, rights, retention, drill -------------------


def _require_pg_tools():
    if connection.vendor == "postgresql":
        require_service("pg_dump", bool(shutil.which("pg_dump") and shutil.which("pg_restore")), "not on PATH")


def _writer(task_pk: int, user_pk: int, stop, written: list[int]) -> None:
    """Another person logging entries as fast as the database takes them, in its own connection."""
    from django.db import connection as own
    from django.utils import timezone

    try:
        while not stop.is_set():
            entry = Entry.objects.create(
                task_id=task_pk, author_id=user_pk, text="写入中", occurred_on=timezone.localdate()
            )
            written.append(entry.pk)
    finally:
        own.close()


def test_a_backup_taken_while_people_write_restores_cleanly_into_a_scratch_database(city, tmp_path):
    import threading

    _require_pg_tools()
    task = city.task_a()
    stop, written = threading.Event(), []
    thread = threading.Thread(target=_writer, args=(task.pk, city.staff_a.pk, stop, written))
    thread.start()
    try:
        wait_for(lambda: len(written) >= 20 or not thread.is_alive(), what="the writer's first rows")
        assert thread.is_alive()
        archive = tmp_path / "busy.tar.gz"
        call_command("backup", output=archive, verbosity=0)
        during = len(written)
    finally:
        stop.set()
        thread.join()
    assert len(written) > 20 and during > 20

    out = io.StringIO()
    call_command("restore_drill", str(archive), stdout=out)
    assert out.getvalue().startswith("drill ok")
    manifest = json.loads(tarfile.open(archive).extractfile("manifest.json").read())
    assert 20 <= manifest["counts"]["work_entry"] < Entry.all_objects.count()


def test_archives_are_0600_and_evidence_folders_come_back_0750(city, tmp_path):
    _require_pg_tools()
    services.entry_add(task=city.task_a(), by=city.staff_a, text="带附件", files=[_pdf()])
    archive = tmp_path / "rights.tar.gz"
    call_command("backup", output=archive, verbosity=0)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    call_command("restore", str(archive), interactive=False, verbosity=0)
    folders = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_dir()]
    assert folders and {stat.S_IMODE(p.stat().st_mode) for p in folders} == {0o750}


def _rewrite(archive: Path, target: Path, change) -> None:
    """Copy an archive member by member, letting `change(name, data)` alter or drop (None) each."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as copy:
        for member in source.getmembers():
            data = source.extractfile(member).read() if member.isfile() else b""
            data = change(member.name, data)
            if data is None:
                continue
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda name, data: b"%PDF-tampered" if name.startswith("media/") else data, "damaged"),
        (lambda name, data: None if name.startswith("media/") else data, "differ from its manifest"),
        (lambda name, data: data[: len(data) // 2] if name.startswith("db.") else data, "damaged"),
    ],
    ids=["evidence-changed", "evidence-missing", "database-cut"],
)
def test_a_damaged_archive_is_refused_before_anything_changes(city, tmp_path, damage, message):
    from django.core.management.base import CommandError

    _require_pg_tools()
    services.entry_add(task=city.task_a(), by=city.staff_a, text="原有", files=[_pdf()])
    good = tmp_path / "good.tar.gz"
    call_command("backup", output=good, verbosity=0)
    later = services.entry_add(task=city.task_a(), by=city.staff_a, text="备份之后写的")
    rows, files = row_counts(), media_checksums()

    bad = tmp_path / "bad.tar.gz"
    _rewrite(good, bad, damage)
    with pytest.raises(CommandError, match=message):
        call_command("restore", str(bad), interactive=False, verbosity=0)
    assert row_counts() == rows and media_checksums() == files
    assert Entry.objects.filter(pk=later.pk).exists()


def test_a_cut_off_archive_is_not_a_backup(city, tmp_path):
    from django.core.management.base import CommandError

    _require_pg_tools()
    good = tmp_path / "good.tar.gz"
    call_command("backup", output=good, verbosity=0)
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(CommandError, match="not a Campaign Tracker backup"):
        call_command("restore", str(cut), interactive=False, verbosity=0)
    with pytest.raises(CommandError, match="drill failed"):
        call_command("restore_drill", str(cut))


def test_the_nightly_backup_keeps_the_newest_archives(city, tmp_path, settings):
    import os
    import time

    from tracker.ops.tasks import backup_nightly

    _require_pg_tools()
    settings.BACKUP_DIR, settings.BACKUP_KEEP = tmp_path, 2
    old = []
    for n in range(3):
        path = tmp_path / f"tracker-2026010{n + 1}-023000.tar.gz"
        path.write_bytes(b"old")
        os.utime(path, (time.time() - 86400 * (5 - n), time.time() - 86400 * (5 - n)))
        old.append(path)
    result = backup_nightly()
    kept = sorted(p.name for p in tmp_path.glob("tracker-*.tar.gz"))
    assert result["pruned"] == 2 and len(kept) == 2
    assert old[2].name in kept and Path(result["archive"]).name in kept
    # The drill without an argument takes the newest archive: tonight's.
    out = io.StringIO()
    call_command("restore_drill", stdout=out)
    assert Path(result["archive"]).name in out.getvalue()
