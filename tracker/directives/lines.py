"""Writes of the two-way line: extension requests (延期申请), threads (请示/反映问题) and 批示."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.core.concurrency import StaleVersion, check_version
from tracker.core.history import stamp_change
from tracker.core.types import Upload, User
from tracker.core.validators import check_text
from tracker.directives.access import is_leader, path_prefixes
from tracker.directives.models import (
    Addressee,
    Attachment,
    ExtensionRequest,
    ExtensionStatus,
    Instruction,
    MessageKind,
    Thread,
    ThreadFile,
    ThreadMessage,
    ThreadState,
)
from tracker.directives.notifying import tell
from tracker.directives.services import check_files, discard, raise_errors, save, store_files, unit_people
from tracker.ledgers.models import RectificationItem
from tracker.orgs.access import require
from tracker.orgs.models import Role, RoleAssignment, Unit
from tracker.orgs.scope import scope_for
from tracker.work.models import Task, TaskStatus

MAX_NOTE = 2000


def _note(errors: dict[str, list[str]], field: str, value: str, required: str | None = None) -> str:
    return check_text(errors, field, value, max_length=MAX_NOTE, required=required)


def guides_of(unit: Unit) -> list[int]:
    rows = RoleAssignment.objects.filter(role=Role.GUIDE, guidance_group__units=unit)
    return sorted(set(rows.values_list("user_id", flat=True)))


def above(unit: Unit, role: str) -> list[int]:
    """The holders of a subtree role (office, leadership) anchored at the unit or above it."""
    rows = RoleAssignment.objects.filter(role=role, unit__path__in=path_prefixes(unit.path))
    return sorted(set(rows.values_list("user_id", flat=True)))


# --- 延期申请 --------------------------------------------------------------------------------------


@transaction.atomic
def extension_request(*, task: Task, by: User, new_due_on: date | None, reason: str) -> ExtensionRequest:
    """A unit asks to move an open task's due date; one pending request per task."""
    require(by, task.unit, "edit")
    errors: dict[str, list[str]] = {}
    reason = _note(errors, "reason", reason, required=_("Say why the unit needs more time."))
    if new_due_on is None:
        errors["new_due_on"] = [_("Give the new due date.")]
    elif new_due_on < timezone.localdate():
        errors["new_due_on"] = [_("The new due date cannot be in the past.")]
    elif new_due_on <= task.due_on:
        errors["new_due_on"] = [_("The new due date must be later than the current one.")]
    elif new_due_on > task.campaign.ends_on:
        errors["new_due_on"] = [_("The new due date must fall within the campaign.")]
    raise_errors(errors)
    assert new_due_on is not None
    locked = Task.objects.select_for_update().get(pk=task.pk)
    if locked.status == TaskStatus.DONE:
        raise ValidationError(_("The task is done; it needs no extension."))
    if ExtensionRequest.objects.filter(task=locked, status=ExtensionStatus.PENDING).exists():
        raise ValidationError(_("An extension request for this task is already waiting for a decision."))
    request = ExtensionRequest(
        task=locked, requested_by=by, old_due_on=locked.due_on, new_due_on=new_due_on, reason=reason
    )
    save(request, by)
    reviewers = guides_of(task.unit) + above(task.unit, Role.OFFICE)
    transaction.on_commit(
        lambda: tell(
            recipients=reviewers,
            kind="extension_request",
            key=f"extension:{request.pk}",
            subject=_("%(unit)s asks for an extension") % {"unit": task.unit.name},
            body=reason,
            url=reverse("directives:extension_list"),
            by=by,
        )
    )
    return request


@transaction.atomic
def extension_decide(
    *, request: ExtensionRequest, by: User, approve: bool, note: str = "", expected_version: int | None
) -> ExtensionRequest:
    """Approve (the due date moves, with history) or refuse with a reason; a decided request is a 409."""
    require(by, request.task.unit, "review")
    errors: dict[str, list[str]] = {}
    note = _note(errors, "note", note, required=None if approve else _("Say why the extension is refused."))
    raise_errors(errors)
    locked = ExtensionRequest.objects.select_for_update().get(pk=request.pk)
    check_version(locked, expected_version)
    if locked.status != ExtensionStatus.PENDING:
        raise StaleVersion(locked, expected_version or 0)
    locked.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.decision_note = note
    locked.version += 1
    save(locked, by)
    if approve:
        task = Task.objects.select_for_update().get(pk=locked.task_id)
        task.due_on = locked.new_due_on
        task.version += 1
        stamp_change(task, by=by, reason=_("extension approved"))
        task.save()
    transaction.on_commit(
        lambda: tell(
            recipients=[locked.requested_by_id],
            kind="extension_decision",
            key=f"extension:{locked.pk}:{locked.status}",
            subject=_("Extension %(decision)s") % {"decision": locked.get_status_display()},
            body=note,
            url=reverse("work:task_detail", args=[locked.task_id]),
            by=by,
        )
    )
    return locked


# --- threads ---------------------------------------------------------------------------------------


def thread_recipients(thread: Thread) -> list[int]:
    if thread.addressee == Addressee.GUIDE:
        return guides_of(thread.unit)
    return above(thread.unit, Role.OFFICE if thread.addressee == Addressee.OFFICE else Role.LEADERSHIP)


def _message(thread: Thread, by: User, kind: str, text: str, files: Sequence[Upload]) -> list[Attachment]:
    message = ThreadMessage.objects.create(thread=thread, author=by, kind=kind, text=text)
    return store_files(ThreadFile, files, message=message)


def _tell_thread(thread: Thread, by: User, recipients: list[int], text: str) -> None:
    url = reverse("directives:thread_detail", args=[thread.pk])
    transaction.on_commit(
        lambda: tell(
            recipients=[pk for pk in recipients if pk != by.pk],
            kind="thread",
            key=f"thread:{thread.pk}",
            subject=thread.subject,
            body=text,
            url=url,
            by=by,
        )
    )


def thread_open(
    *, unit: Unit, by: User, kind: str, addressee: str, subject: str, text: str, files: Sequence[Upload] = ()
) -> Thread:
    """A unit (or its guide, about it) raises a question or difficulty to its guide or the office."""
    scope = scope_for(by)
    if not (scope.can_edit(unit) or scope.guides(unit)):
        raise PermissionDenied(_("Only the unit's own staff or its guidance group can raise a question about it."))
    errors: dict[str, list[str]] = {}
    subject = check_text(errors, "subject", subject, max_length=200, required=_("Give the question a subject."))
    text = check_text(errors, "text", text, max_length=4000, required=_("Describe the question or difficulty."))
    if addressee not in Addressee.values or addressee == Addressee.LEADERSHIP:
        errors["addressee"] = [_("Choose the guidance group or the office.")]
    check_files(errors, files)
    raise_errors(errors)
    stored: list[Attachment] = []
    try:
        with transaction.atomic():
            thread = Thread(unit=unit, raised_by=by, kind=kind, addressee=addressee, subject=subject)
            save(thread, by)
            stored = _message(thread, by, MessageKind.MESSAGE, text, files)
            _tell_thread(thread, by, thread_recipients(thread), text)
    except Exception:
        discard(stored)
        raise
    return thread


def thread_post(
    *, thread: Thread, by: User, text: str, files: Sequence[Upload] = (), expected_version: int | None = None
) -> Thread:
    """A message on an open thread: from a reviewer it is the answer; from the unit, a follow-up."""
    scope = scope_for(by)
    answering = scope.can_review(thread.unit)
    if not (answering or scope.can_edit(thread.unit)):
        raise PermissionDenied(_("Only the unit and those who answer it can write here."))
    errors: dict[str, list[str]] = {}
    text = check_text(errors, "text", text, max_length=4000, required=_("Write the message."))
    check_files(errors, files)
    raise_errors(errors)
    stored: list[Attachment] = []
    try:
        with transaction.atomic():
            locked = Thread.objects.select_for_update().get(pk=thread.pk)
            check_version(locked, expected_version)
            if locked.state == ThreadState.CLOSED:
                raise ValidationError(_("This thread is closed; open a new question instead."))
            stored = _message(locked, by, MessageKind.ANSWER if answering else MessageKind.MESSAGE, text, files)
            locked.state = ThreadState.ANSWERED if answering else ThreadState.OPEN
            locked.version += 1
            save(locked, by)
            people = unit_people([locked.unit_id]) if answering else thread_recipients(locked)
            _tell_thread(locked, by, people, text)
    except Exception:
        discard(stored)
        raise
    return locked


@transaction.atomic
def thread_forward(*, thread: Thread, by: User, note: str = "", expected_version: int | None = None) -> Thread:
    """A guide passes the thread to the office; the office passes it to the leadership group."""
    scope = scope_for(by)
    require(by, thread.unit, "review")
    locked = Thread.objects.select_for_update().get(pk=thread.pk)
    check_version(locked, expected_version)
    if locked.state == ThreadState.CLOSED:
        raise ValidationError(_("This thread is closed; open a new question instead."))
    if locked.addressee == Addressee.LEADERSHIP:
        raise ValidationError(_("This thread is already with the leadership group."))
    if locked.addressee == Addressee.GUIDE and not scope.manages_units:
        locked.addressee = Addressee.OFFICE
    else:
        locked.addressee = Addressee.LEADERSHIP
    errors: dict[str, list[str]] = {}
    note = _note(errors, "note", note)
    raise_errors(errors)
    ThreadMessage.objects.create(thread=locked, author=by, kind=MessageKind.FORWARD, text=note)
    locked.state = ThreadState.OPEN
    locked.version += 1
    save(locked, by)
    _tell_thread(locked, by, thread_recipients(locked), note)
    return locked


@transaction.atomic
def thread_close(*, thread: Thread, by: User) -> Thread:
    scope = scope_for(by)
    if not (scope.can_edit(thread.unit) or scope.can_review(thread.unit)):
        raise PermissionDenied(_("Only the unit and those who answer it can close the thread."))
    locked = Thread.objects.select_for_update().get(pk=thread.pk)
    if locked.state == ThreadState.CLOSED:
        raise ValidationError(_("This thread is already closed."))
    ThreadMessage.objects.create(thread=locked, author=by, kind=MessageKind.CLOSE)
    locked.state = ThreadState.CLOSED
    locked.version += 1
    save(locked, by)
    return locked


# --- 批示 ------------------------------------------------------------------------------------------


@transaction.atomic
def instruction_write(
    *,
    unit: Unit,
    by: User,
    text: str,
    task: Task | None = None,
    thread: Thread | None = None,
    problem: RectificationItem | None = None,
) -> Instruction:
    """A leader writes a 批示 on a unit, or on one of its tasks, problems or questions."""
    scope = scope_for(by)
    if not is_leader(scope):
        raise PermissionDenied(_("Only members of the leadership group write instructions."))
    require(by, unit, "view")
    for target in (task, thread, problem):
        if target is not None and target.unit_id != unit.pk:
            raise ValidationError(_("The task or question must belong to the unit."))
    errors: dict[str, list[str]] = {}
    text = _note(errors, "text", text, required=_("Write the instruction."))
    raise_errors(errors)
    instruction = Instruction(unit=unit, task=task, thread=thread, problem=problem, author=by, text=text)
    save(instruction, by)
    url = reverse("directives:instruction_detail", args=[instruction.pk])
    transaction.on_commit(
        lambda: tell(
            recipients=unit_people([unit.pk]) + above(unit, Role.OFFICE),
            kind="instruction",
            key=f"instruction:{instruction.pk}",
            subject=_("Instruction (批示) on %(unit)s") % {"unit": unit.name},
            body=text,
            url=url,
            by=by,
        )
    )
    return instruction


@transaction.atomic
def instruction_acknowledge(*, instruction: Instruction, by: User) -> Instruction:
    require(by, instruction.unit, "edit")
    locked = Instruction.objects.select_for_update().get(pk=instruction.pk)
    if locked.acknowledged_at is not None:
        raise ValidationError(_("This instruction has already been acknowledged."))
    locked.acknowledged_at = timezone.now()
    locked.acknowledged_by = by
    save(locked, by)
    return locked
