"""Evidence previews: thumbnails upright and without metadata, PDF pages, Word/Excel excerpts,
served only through the scope check; a broken file gives "no preview", never an error page."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tests.conftest import PDF_BYTES, login, require_worker_services, wait_for
from tests.work.sample_files import GPS_IFD, excel_workbook, pdf_document, phone_photo, word_document
from tracker.work import services
from tracker.work.models import Evidence, PreviewState
from tracker.work.previews import evidence_preview_build


def add(task, user, *files: tuple[str, bytes]) -> list[Evidence]:
    uploads = [SimpleUploadedFile(name, data) for name, data in files]
    entry = services.entry_add(task=task, by=user, text="佐证", files=uploads)
    return list(entry.evidence.all())


def build(evidence: Evidence) -> Evidence:
    evidence_preview_build(evidence_id=evidence.pk)
    evidence.refresh_from_db()
    return evidence


def preview_image(client, evidence: Evidence, page: int = 0) -> Image.Image:
    response = client.get(reverse("work:evidence_preview", args=[evidence.pk, page]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "attachment" not in response.get("Content-Disposition", "")
    return Image.open(io.BytesIO(b"".join(response.streaming_content)))


def test_photo_thumbnail_is_upright_and_carries_no_gps(client, city):
    (photo,) = add(city.task_a(), city.staff_a, ("现场.jpg", phone_photo(400, 200)))
    assert photo.preview_state == PreviewState.PENDING
    photo = build(photo)
    assert (photo.preview_state, photo.preview_pages) == (PreviewState.READY, 1)
    login(client, city.staff_a)
    image = preview_image(client, photo)
    assert image.size == (200, 400)  # turned as EXIF said
    exif = image.getexif()
    assert not exif.get_ifd(GPS_IFD) and not exif, "no metadata survives the re-encoding"
    page = client.get(reverse("work:task_detail", args=[city.task_a().pk])).content.decode()
    assert reverse("work:evidence_preview", args=[photo.pk, 0]) in page


def test_pdf_first_pages_are_rendered_and_word_excel_give_excerpts(client, city):
    pdf, word, sheet = add(
        city.task_a(),
        city.staff_a,
        ("纪要.pdf", pdf_document(pages=3)),
        ("心得.docx", word_document("第一段：学习体会", "第二段：下一步打算")),
        ("签到.xlsx", excel_workbook([["姓名", "到会"], ["张三", "是"]])),
    )
    assert build(pdf).preview_pages == 2  # the first two of three pages
    assert "第一段：学习体会" in build(word).preview_text
    assert "张三 | 是" in build(sheet).preview_text
    login(client, city.guide)
    assert preview_image(client, pdf, 1).size[1] <= 960
    page = client.get(reverse("work:task_detail", args=[city.task_a().pk])).content.decode()
    assert "第二段：下一步打算" in page and reverse("work:evidence_preview", args=[pdf.pk, 1]) in page


@pytest.mark.parametrize(
    "name, data",
    [
        ("坏.pdf", PDF_BYTES),
        ("坏.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 50),
        ("坏.jpg", b"\xff\xd8\xff" + b"not really a jpeg" * 20),
        ("坏.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
    ],
)
def test_a_broken_file_gives_no_preview_never_an_error(client, city, name, data):
    (evidence,) = add(city.task_a(), city.staff_a, (name, data))
    evidence = build(evidence)
    assert (evidence.preview_state, evidence.preview_pages, evidence.preview_text) == (PreviewState.NONE, 0, "")
    login(client, city.staff_a)
    response = client.get(reverse("work:task_detail", args=[city.task_a().pk]))
    assert response.status_code == 200 and "无预览" in response.content.decode()
    assert client.get(reverse("work:evidence_preview", args=[evidence.pk, 0])).status_code == 404


def test_previews_are_behind_the_scope_check(client, city):
    (photo,) = add(city.task_a(), city.staff_a, ("现场.jpg", phone_photo()))
    build(photo)
    url = reverse("work:evidence_preview", args=[photo.pk, 0])
    assert client.get(url).status_code == 302  # to the login
    login(client, city.staff_b)
    assert client.get(url).status_code == 404  # another unit's evidence is not found
    login(client, city.leader_a)
    assert client.get(url).status_code == 200


def test_rebuild_command_makes_missing_previews_and_is_idempotent(city):
    photo, pdf = add(city.task_a(), city.staff_a, ("a.jpg", phone_photo()), ("b.pdf", pdf_document(1)))
    call_command("build_previews")
    photo.refresh_from_db()
    pdf.refresh_from_db()
    assert (photo.preview_pages, pdf.preview_pages) == (1, 1)
    call_command("build_previews", "--all")
    pdf.refresh_from_db()
    assert pdf.preview_state == PreviewState.READY and pdf.preview_pages == 1
    assert pdf.history.count() == 1, "a preview is no change of the evidence"


def test_a_real_worker_makes_the_preview_after_the_upload_commits(client, city, celery_worker_process, settings):
    require_worker_services()
    celery_worker_process(MEDIA_ROOT=settings.MEDIA_ROOT)
    login(client, city.staff_a)
    response = client.post(
        reverse("work:task_entry_add", args=[city.task_a().pk]),
        {
            "text": "拍照留证",
            "occurred_on": timezone.localdate().isoformat(),
            "files": [SimpleUploadedFile("现场.jpg", phone_photo())],
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200, response.content.decode()
    evidence = Evidence.objects.get()
    wait_for(
        lambda: Evidence.objects.filter(pk=evidence.pk, preview_state=PreviewState.READY).exists(),
        what="the worker to make the preview",
    )
    assert preview_image(client, evidence).size == (200, 400)
