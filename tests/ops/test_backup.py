"""Backup → wipe → restore gives back the demo city row for row, evidence files included."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from tests.conftest import PDF_BYTES, require_service
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
