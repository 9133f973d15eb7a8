"""Directing work: 交办 with 签收, notices with read receipts, extension requests, threads and 批示.

A 交办 becomes one task of kind 交办 in each chosen unit (tracker.work), so it shows in the unit's
task list, lights, reminders, matrix and exports like any task; what is particular to it (the
acknowledgement, the issuer, the attachments) lives here.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tracker.campaigns.models import Campaign
from tracker.core.models import TimeStamped
from tracker.ledgers.models import RectificationItem
from tracker.orgs.models import Unit
from tracker.orgs.querysets import ScopedQuerySet
from tracker.work.models import Task

USER = settings.AUTH_USER_MODEL


def attachment_upload_to(instance: models.Model, filename: str) -> str:
    # The stored name never comes from the user: a random name keeps the extension only.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"directives/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    """A file attached to a 交办, a notice or a thread message (checked as evidence is)."""

    file = models.FileField(_("file"), upload_to=attachment_upload_to, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class Assignment(TimeStamped):
    """A requirement (交办) the office or a guide issued to chosen units, each of which got a task."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", verbose_name=_("campaign"))
    issued_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by"))
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("requirement"), max_length=4000)
    due_on = models.DateField(_("deadline"))
    needs_reply = models.BooleanField(_("a written reply is needed"), default=True)
    needs_evidence = models.BooleanField(_("evidence is needed"), default=False)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("assignment (交办)")
        verbose_name_plural = _("assignments (交办)")

    def __str__(self) -> str:
        return self.title


class AssignmentFile(Attachment):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="files")


class TargetQuerySet(ScopedQuerySet):
    unit_path = "unit__"


class AssignmentTarget(models.Model):
    """One unit's copy of a 交办: its task, and whether (and by whom) the unit acknowledged it (签收)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="targets")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"))
    task = models.OneToOneField(Task, on_delete=models.CASCADE, related_name="assignment_target")
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("acknowledged by")
    )

    objects = TargetQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["unit__path"]
        constraints = [models.UniqueConstraint(fields=["assignment", "unit"], name="assignment_once_per_unit")]

    def __str__(self) -> str:
        return f"{self.assignment} · {self.unit}"


class Notice(TimeStamped):
    """A notice (通知公告) published to the staff and leaders of every unit under `root`."""

    issued_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("published by"))
    root = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("published to"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=8000)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self) -> str:
        return self.title


class NoticeFile(Attachment):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="files")


class NoticeRead(models.Model):
    """A read receipt: this person (of this unit) opened the notice."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", null=True)
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notice", "user"], name="notice_read_once")]

    def __str__(self) -> str:
        return f"{self.notice_id} · {self.user_id}"


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class ExtensionQuerySet(ScopedQuerySet):
    unit_path = "task__unit__"


class ExtensionRequest(TimeStamped):
    """A unit's request (延期申请) to move a task's due date, and the office's or guide's decision."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="extension_requests")
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("asked by"))
    old_due_on = models.DateField(_("due date"))
    new_due_on = models.DateField(_("new due date"))
    reason = models.TextField(_("reason"), max_length=2000)
    status = models.CharField(
        _("status"), max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("reason for the decision"), max_length=2000, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = ExtensionQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        constraints = [
            models.UniqueConstraint(
                fields=["task"], condition=Q(status="pending"), name="extension_one_pending_per_task"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task} → {self.new_due_on}"


class ThreadKind(models.TextChoices):
    QUESTION = "question", _("Question")
    DIFFICULTY = "difficulty", _("Difficulty")
    SITUATION = "situation", _("Situation")


class Addressee(models.TextChoices):
    GUIDE = "guide", _("Guidance group")
    OFFICE = "office", _("Leadership group office")
    LEADERSHIP = "leadership", _("Leadership group")


class ThreadState(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class ThreadQuerySet(ScopedQuerySet):
    unit_path = "unit__"


class Thread(TimeStamped):
    """A question or difficulty (请示/反映问题) about one unit, addressed upwards, with its messages."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"))
    raised_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("raised by"))
    kind = models.CharField(_("kind"), max_length=12, choices=ThreadKind.choices, default=ThreadKind.QUESTION)
    addressee = models.CharField(_("to"), max_length=12, choices=Addressee.choices, default=Addressee.GUIDE)
    subject = models.CharField(_("subject"), max_length=200)
    state = models.CharField(_("state"), max_length=10, choices=ThreadState.choices, default=ThreadState.OPEN)
    version = models.PositiveIntegerField(default=1)

    objects = ThreadQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("thread")
        verbose_name_plural = _("threads")

    def __str__(self) -> str:
        return self.subject


class MessageKind(models.TextChoices):
    MESSAGE = "message", _("Message")
    ANSWER = "answer", _("Answer")
    FORWARD = "forward", _("Forwarded")
    CLOSE = "close", _("Closed")


class ThreadMessage(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=MessageKind.choices, default=MessageKind.MESSAGE)
    text = models.TextField(max_length=4000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.thread_id}"


class ThreadFileQuerySet(ScopedQuerySet):
    unit_path = "message__thread__unit__"


class ThreadFile(Attachment):
    message = models.ForeignKey(ThreadMessage, on_delete=models.CASCADE, related_name="files")

    objects = ThreadFileQuerySet.as_manager()


class InstructionQuerySet(ScopedQuerySet):
    unit_path = "unit__"


class Instruction(models.Model):
    """A leader's written instruction (批示) on a unit, or on one of its tasks, problems or questions."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"))
    task = models.ForeignKey(Task, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, null=True, blank=True, related_name="instructions")
    problem = models.ForeignKey(RectificationItem, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    text = models.TextField(_("instruction"), max_length=2000)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = InstructionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("instruction (批示)")
        verbose_name_plural = _("instructions (批示)")

    def __str__(self) -> str:
        return self.text[:40]
