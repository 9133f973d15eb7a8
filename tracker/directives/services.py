"""Writes of 交办 and notices. Views, the demo and tests all come through here.

Extensions, threads and 批示 are in `tracker.directives.lines`; both modules tell people through
`tracker.directives.notifying.tell` only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from tracker.campaigns.models import Campaign, Measure
from tracker.core.history import stamp_change
from tracker.core.types import Upload, User
from tracker.core.validators import check_text, safe_filename
from tracker.directives.access import require_issuer, require_publisher
from tracker.directives.models import (
    Assignment,
    AssignmentFile,
    AssignmentTarget,
    Attachment,
    Notice,
    NoticeFile,
    NoticeRead,
)
from tracker.directives.notifying import Told, tell
from tracker.orgs.access import require
from tracker.orgs.models import Role, RoleAssignment, Unit
from tracker.orgs.scope import scope_for
from tracker.work import services as work_services
from tracker.work.models import Task, TaskKind, TaskStatus
from tracker.work.signals import tasks_inserted
from tracker.work.uploads import evidence_problems

MAX_FILES = 10
MAX_TEXT = 4000
MAX_TITLE = 200
UNIT_PEOPLE = (Role.STAFF, Role.UNIT_LEADER)


def save(obj: models.Model, by: User | None) -> None:
    """Save with `by` as the history's author, also outside a request."""
    stamp_change(obj, by=by)
    obj.save()


def check_files(errors: dict[str, list[str]], files: Sequence[Upload]) -> None:
    if problems := evidence_problems(files, limit=MAX_FILES, too_many=_("At most %(n)d files at a time.")):
        errors["files"] = problems


def store_files(model: type[Attachment], files: Sequence[Upload], **owner: Any) -> list[Attachment]:
    """Store checked files; the caller's transaction rolls the rows back, `discard` the files."""
    stored: list[Attachment] = []
    try:
        for upload in files:
            row = model(original_name=safe_filename(upload.name or ""), size=upload.size or 0, **owner)
            row.file.save(upload.name or "file", upload, save=False)
            stored.append(row)
            row.save()
    except Exception:
        discard(stored)
        raise
    return stored


def discard(rows: Sequence[Attachment]) -> None:
    for row in rows:
        if row.file.name:
            row.file.storage.delete(row.file.name)


def unit_people(unit_ids: Sequence[int]) -> list[int]:
    """The staff and leaders of the units (ids of users)."""
    rows = RoleAssignment.objects.filter(unit_id__in=list(unit_ids), role__in=UNIT_PEOPLE)
    return sorted(set(rows.values_list("user_id", flat=True)))


def raise_errors(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


# --- 交办 -----------------------------------------------------------------------------------------


def assignment_issue(
    *,
    by: User,
    campaign: Campaign,
    measure: Measure,
    units: Sequence[Unit],
    title: str,
    text: str,
    due_on: date | None,
    needs_reply: bool = True,
    needs_evidence: bool = False,
    files: Sequence[Upload] = (),
) -> Assignment:
    """Issue a 交办: one task of kind 交办 in each unit, which the unit must acknowledge first."""
    scope = require_issuer(by)
    errors: dict[str, list[str]] = {}
    title = check_text(errors, "title", title, max_length=MAX_TITLE, required=_("Give the assignment a title."))
    text = check_text(errors, "text", text, max_length=MAX_TEXT, required=_("Say what the units must do."))
    today = timezone.localdate()
    if due_on is None:
        errors["due_on"] = [_("Give a deadline.")]
    elif due_on < today:
        errors["due_on"] = [_("The deadline cannot be in the past.")]
    elif due_on > campaign.ends_on:
        errors["due_on"] = [_("The deadline must fall within the campaign (ends %(end)s).") % {"end": campaign.ends_on}]
    if not units:
        errors["units"] = [_("No unit matches: choose at least one unit in your scope.")]
    elif any(not scope.can_review(unit) for unit in units):
        raise PermissionDenied(_("Only the office or the unit's guidance group can do this."))
    check_files(errors, files)
    raise_errors(errors)
    assert due_on is not None
    stored: list[Attachment] = []
    try:
        with transaction.atomic():
            assignment = Assignment(
                campaign=campaign,
                issued_by=by,
                title=title,
                text=text,
                due_on=due_on,
                needs_reply=needs_reply,
                needs_evidence=needs_evidence,
            )
            save(assignment, by)
            stored = store_files(AssignmentFile, files, assignment=assignment)
            tasks = [
                Task(
                    campaign=campaign,
                    unit=unit,
                    measure=measure,
                    kind=TaskKind.ASSIGNMENT,
                    title=title,
                    description=text,
                    due_on=due_on,
                    created_by=by,
                    last_activity_on=max(today, campaign.starts_on),
                )
                for unit in units
            ]
            tasks = bulk_create_with_history(
                tasks, Task, batch_size=1000, default_user=by, default_change_reason="交办"
            )
            targets = [AssignmentTarget(assignment=assignment, unit=t.unit, task=t) for t in tasks]
            bulk_create_with_history(targets, AssignmentTarget, batch_size=1000, default_user=by)
            tasks_inserted.send(sender=Task, campaign_id=campaign.pk, unit_ids={u.pk for u in units})
            url = reverse("directives:assignment_detail", args=[assignment.pk])
            transaction.on_commit(
                lambda: tell(
                    recipients=unit_people([u.pk for u in units]),
                    kind="assignment",
                    key=f"assignment:{assignment.pk}",
                    subject=_("New assignment: %(title)s") % {"title": title},
                    body=text,
                    url=url,
                    by=by,
                )
            )
    except Exception:
        discard(stored)
        raise
    return assignment


@transaction.atomic
def assignment_acknowledge(*, target: AssignmentTarget, by: User) -> AssignmentTarget:
    """The unit's staff or leader acknowledges (签收) the 交办; twice is refused."""
    require(by, target.unit, "edit")
    locked = AssignmentTarget.objects.select_for_update().get(pk=target.pk)
    if locked.acknowledged_at is not None:
        raise ValidationError(_("This assignment has already been acknowledged."))
    locked.acknowledged_at = timezone.now()
    locked.acknowledged_by = by
    save(locked, by)
    return locked


@transaction.atomic
def assignment_reply(
    *, target: AssignmentTarget, by: User, text: str, files: Sequence[Upload] = (), expected_version: int | None
) -> Task:
    """The unit reports what it did (an entry at 100 %) and hands the task in for review."""
    require(by, target.unit, "edit")
    assignment = target.assignment
    if AssignmentTarget.objects.get(pk=target.pk).acknowledged_at is None:
        raise ValidationError(_("Acknowledge the assignment before replying to it."))
    errors: dict[str, list[str]] = {}
    if assignment.needs_reply and not (text or "").strip():
        errors["text"] = [_("This assignment needs a written reply.")]
    if assignment.needs_evidence and not files:
        errors["files"] = [_("This assignment needs evidence: attach at least one file.")]
    raise_errors(errors)
    entry = work_services.entry_add(
        task=target.task,
        by=by,
        text=text or _("Done."),
        percent=100,
        files=files,
        expected_version=expected_version,
    )
    task = entry.task
    task.refresh_from_db()
    task = work_services.task_submit(task=task, by=by, expected_version=task.version)
    url = reverse("directives:assignment_detail", args=[assignment.pk])
    transaction.on_commit(
        lambda: tell(
            recipients=[assignment.issued_by_id],
            kind="assignment_reply",
            key=f"assignment:{assignment.pk}:unit:{target.unit_id}",
            subject=_("%(unit)s replied to “%(title)s”") % {"unit": target.unit.name, "title": assignment.title},
            body=text,
            url=url,
            by=by,
        )
    )
    return task


@transaction.atomic
def assignment_review(*, target: AssignmentTarget, by: User, accept: bool, reason: str, expected_version: int) -> Task:
    """Accept or return a unit's reply with the task review services, and tell the unit."""
    if accept:
        task = work_services.task_accept(task=target.task, by=by, expected_version=expected_version, note=reason)
    else:
        task = work_services.task_return(task=target.task, by=by, expected_version=expected_version, reason=reason)
    title = target.assignment.title
    subject = _("Reply accepted: %(title)s") if accept else _("Reply returned: %(title)s")
    transaction.on_commit(
        lambda: tell(
            recipients=unit_people([target.unit_id]),
            kind="assignment_review",
            key=f"assignment:{target.assignment_id}:unit:{target.unit_id}",
            subject=subject % {"title": title},
            body=reason,
            url=reverse("directives:target_detail", args=[target.pk]),
            by=by,
        )
    )
    return task


def behind_q(today: date) -> Q:
    """Targets behind: not acknowledged, or overdue and not handed in."""
    late = Q(task__due_on__lt=today) & ~Q(task__status__in=[TaskStatus.SUBMITTED, TaskStatus.DONE])
    return Q(acknowledged_at__isnull=True) | late


def assignment_urge(*, assignment: Assignment, by: User) -> Told | None:
    """Urge (催办) the units behind on a 交办 that the user reviews; None when nobody is behind."""
    scope = require_issuer(by)
    behind = assignment.targets.filter(behind_q(timezone.localdate()), scope.review_q("unit__"))
    unit_ids = list(behind.values_list("unit_id", flat=True))
    if not unit_ids:
        return None
    return tell(
        recipients=unit_people(unit_ids),
        kind="assignment_urge",
        key=f"assignment:{assignment.pk}:urge:{timezone.localdate()}",
        subject=_("Reminder: “%(title)s” is due %(due)s") % {"title": assignment.title, "due": assignment.due_on},
        body=assignment.text,
        url=reverse("directives:assignment_detail", args=[assignment.pk]),
        by=by,
    )


# --- notices --------------------------------------------------------------------------------------


def notice_recipients(notice: Notice) -> list[int]:
    units = Unit.objects.filter(path__startswith=notice.root.path).values_list("pk", flat=True)
    return unit_people(list(units))


def notice_publish(*, by: User, root: Unit, title: str, body: str, files: Sequence[Upload] = ()) -> Notice:
    """Publish a notice (通知公告) to the staff and leaders of every unit under `root`."""
    require_publisher(by)
    require(by, root, "manage")
    errors: dict[str, list[str]] = {}
    title = check_text(errors, "title", title, max_length=MAX_TITLE, required=_("Give the notice a title."))
    body = check_text(errors, "body", body, max_length=8000, required=_("Write the notice."))
    check_files(errors, files)
    raise_errors(errors)
    stored: list[Attachment] = []
    try:
        with transaction.atomic():
            notice = Notice(issued_by=by, root=root, title=title, body=body)
            save(notice, by)
            stored = store_files(NoticeFile, files, notice=notice)
            url = reverse("directives:notice_detail", args=[notice.pk])
            transaction.on_commit(
                lambda: tell(
                    recipients=notice_recipients(notice),
                    kind="notice",
                    key=f"notice:{notice.pk}",
                    subject=title,
                    body=body,
                    url=url,
                    by=by,
                )
            )
    except Exception:
        discard(stored)
        raise
    return notice


def notice_read(*, notice: Notice, user: User) -> bool:
    """Record that the user opened the notice (once); returns whether this was the first time."""
    scope = scope_for(user)
    units = Unit.objects.filter(pk__in=sorted(scope.edit_unit_ids), path__startswith=notice.root.path)
    unit = units.order_by("path").first()
    if unit is None:
        return False  # not a recipient (an office reading its own notice): no receipt
    _row, created = NoticeRead.objects.get_or_create(notice=notice, user=user, defaults={"unit": unit})
    return created


def notice_urge(*, notice: Notice, by: User) -> Told | None:
    """Remind those who have not read the notice yet."""
    require_publisher(by)
    require(by, notice.root, "manage")
    read = set(notice.reads.values_list("user_id", flat=True))
    unread = [pk for pk in notice_recipients(notice) if pk not in read]
    if not unread:
        return None
    return tell(
        recipients=unread,
        kind="notice_urge",
        key=f"notice:{notice.pk}:urge:{timezone.localdate()}",
        subject=_("Please read: %(title)s") % {"title": notice.title},
        body=notice.body,
        url=reverse("directives:notice_detail", args=[notice.pk]),
        by=by,
    )
