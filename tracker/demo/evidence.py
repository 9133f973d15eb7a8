"""Demo evidence: a few tasks of the first guidance group's units handed in with a site photo and
minutes as a PDF, so the review queue shows previews. Made through the same services as real
input; the previews are built at once (no worker needed for the demo). Once only."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from tracker.orgs.models import GuidanceGroup, Role
from tracker.work import services
from tracker.work.models import OPEN_STATUSES, Evidence, PreviewState, Task
from tracker.work.previews import evidence_preview_build

PHOTO_NAME = "现场照片.jpg"
TASKS = 3
# The walkthrough accounts' own units are left as they are, so what they do there is all they see.
WALKTHROUGH_ACCOUNTS = ("staff", "staff2", "unitlead")


def _photo(n: int) -> bytes:
    image = Image.new("RGB", (1600, 1200), (40 + 30 * n, 90, 140))
    draw = ImageDraw.Draw(image)
    draw.rectangle((200, 300, 1400, 900), fill=(230, 200, 120))
    draw.ellipse((650, 450, 950, 750), fill=(180, 40, 40))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _minutes() -> bytes:
    pages = []
    for shade in (250, 240):
        page = Image.new("RGB", (595, 842), (shade, shade, shade))
        draw = ImageDraw.Draw(page)
        for line in range(12):
            draw.rectangle((60, 120 + 50 * line, 535 - 30 * (line % 3), 130 + 50 * line), fill=(60, 60, 60))
        pages.append(page)
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:])
    return out.getvalue()


def demo_evidence() -> int:
    """Hand in a few open tasks with evidence; returns how many (0 when done before). Then build
    the previews of every evidence file still without one (other demo modules upload files too)."""
    done = 0 if Evidence.objects.filter(original_name=PHOTO_NAME).exists() else _hand_in()
    for pk in Evidence.objects.exclude(preview_state=PreviewState.READY).values_list("pk", flat=True):
        evidence_preview_build(evidence_id=pk)
    return done


def _hand_in() -> int:
    group = GuidanceGroup.objects.order_by("pk").first()
    if group is None:
        return 0
    tasks = Task.objects.filter(
        unit__in=group.units.all(), status__in=OPEN_STATUSES, unit__role_assignments__role=Role.STAFF
    ).exclude(unit__role_assignments__user__username__in=WALKTHROUGH_ACCOUNTS)
    done = 0
    for n, task in enumerate(tasks.select_related("unit").order_by("unit_id", "due_on", "pk").distinct()[:TASKS]):
        clerk = task.unit.role_assignments.filter(role=Role.STAFF).select_related("user").first()
        if clerk is None:
            continue
        files = [SimpleUploadedFile(PHOTO_NAME, _photo(n)), SimpleUploadedFile("会议纪要.pdf", _minutes())]
        entry = services.entry_add(task=task, by=clerk.user, text="已召开专题会议，附现场照片和会议纪要。", files=files)
        for evidence in entry.evidence.all():
            evidence_preview_build(evidence_id=evidence.pk)
        task.refresh_from_db()
        services.task_submit(task=task, by=clerk.user, expected_version=task.version)
        done += 1
    return done
