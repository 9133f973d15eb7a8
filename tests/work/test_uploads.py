"""Evidence uploads: allow-list plus magic bytes, size limit, random names, nothing left behind, safe download."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PDF_BYTES, login
from tracker.work import services
from tracker.work.models import Entry, Evidence
from tracker.work.uploads import validate_evidence

HX = {"HTTP_HX_REQUEST": "true"}
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 200
    + b"This program cannot be run in DOS mode"
)


def media_files() -> set[Path]:
    return {p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}


def upload(client, task, *files):
    data = {"text": "上传佐证", "occurred_on": timezone.localdate().isoformat(), "files": list(files)}
    return client.post(reverse("work:task_entry_add", args=[task.pk]), data, **HX)


def ooxml() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("classes.dex", "dex\n035")
    return buffer.getvalue()


def test_exe_renamed_to_pdf_is_refused_and_leaves_nothing(client, city):
    login(client, city.staff_a)
    before = media_files()
    response = upload(client, city.task_a(), SimpleUploadedFile("会议纪要.pdf", EXE, content_type="application/pdf"))
    assert response.status_code == 422
    assert "不像是" in response.content.decode()  # "does not look like a PDF file" in Chinese
    assert not Entry.all_objects.exists() and not Evidence.objects.exists()
    assert media_files() == before


def test_one_bad_file_among_good_ones_refuses_the_whole_entry(client, city):
    login(client, city.staff_a)
    before = media_files()
    response = upload(
        client,
        city.task_a(),
        SimpleUploadedFile("good.pdf", PDF_BYTES),
        SimpleUploadedFile("photo.jpg", EXE),
    )
    assert response.status_code == 422 and not Evidence.objects.exists() and media_files() == before


@pytest.mark.parametrize(
    "name,content,ok",
    [
        ("a.pdf", PDF_BYTES, True),
        ("a.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, True),
        ("a.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 20, True),
        ("a.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 ", True),
        ("a.webp", b"RIFF\x10\x00\x00\x00AVI LIST", False),
        ("a.docx", ooxml(), True),
        ("a.xlsx", plain_zip(), False),  # an .apk or .jar renamed
        ("a.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 20, True),
        ("a.txt", "学习心得".encode(), True),
        ("a.csv", b"a,b\x00c", False),
        ("a.exe", EXE, False),
        ("a.html", b"<script>alert(1)</script>", False),
        ("a.svg", b"<svg onload=alert(1)>", False),  # SVG can carry script: not on the list
        ("a.PDF", PDF_BYTES, True),
        ("a.pdf", b"", False),
    ],
)
def test_allow_list_and_magic_bytes(name, content, ok):
    upload = SimpleUploadedFile(name, content)
    if ok:
        validate_evidence(upload)
    else:
        with pytest.raises(ValidationError):
            validate_evidence(upload)


def test_size_limit_is_configurable(city, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as exc:
        services.entry_add(
            task=city.task_a(),
            by=city.staff_a,
            text="x",
            files=[SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * 2000)],
        )
    assert exc.value.messages == ["big.pdf 过大（2.0\xa0KB），上限为 1.0\xa0KB。"]
    assert not Entry.all_objects.exists()


def test_default_limit_is_20_mb():
    from tracker.settings import EVIDENCE_MAX_BYTES

    assert EVIDENCE_MAX_BYTES == 20 * 1024 * 1024


def test_stored_file_has_a_random_name_and_no_execute_bit(city):
    entry = services.entry_add(
        task=city.task_a(), by=city.staff_a, text="x", files=[SimpleUploadedFile("../../etc/run.sh.pdf", PDF_BYTES)]
    )
    evidence = entry.evidence.get()
    path = Path(evidence.file.path)
    assert path.is_relative_to(settings.MEDIA_ROOT) and "run" not in path.name and path.suffix == ".pdf"
    assert not path.stat().st_mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def test_download_is_an_attachment_never_rendered(client, city):
    entry = services.entry_add(
        task=city.task_a(), by=city.staff_a, text="x", files=[SimpleUploadedFile('报告"\r\n.txt', "内容".encode())]
    )
    evidence = entry.evidence.get()
    assert evidence.original_name == '报告"__.txt'
    login(client, city.leadership)
    response = client.get(reverse("work:evidence_download", args=[evidence.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "\n" not in response["Content-Disposition"] and "\r" not in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_evidence_of_a_deleted_entry_is_only_for_the_units_editors(client, city):
    entry = services.entry_add(
        task=city.task_a(), by=city.staff_a, text="x", files=[SimpleUploadedFile("a.pdf", PDF_BYTES)]
    )
    services.entry_delete(entry=entry, by=city.staff_a)
    url = reverse("work:evidence_download", args=[entry.evidence.get().pk])
    login(client, city.office_city)
    assert client.get(url).status_code == 404
    login(client, city.leader_a)
    assert client.get(url).status_code == 200
