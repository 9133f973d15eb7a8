"""A unit's tasks, the entries logged against them, their evidence and their review trail."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tracker.campaigns.models import Campaign, Ledger, Measure, TaskTemplate
from tracker.core.models import AliveManager, SoftDeletable, SoftDeleteQuerySet, TimeStamped
from tracker.orgs.models import Unit
from tracker.orgs.querysets import ScopedQuerySet


class TaskStatus(models.TextChoices):
    TODO = "todo", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Awaiting review")
    RETURNED = "returned", _("Returned")
    DONE = "done", _("Done")


class TaskKind(models.TextChoices):
    TASK = "task", _("Task")
    # An ad-hoc requirement issued to the unit (tracker.directives), acknowledged before work starts.
    ASSIGNMENT = "assignment", _("Assignment (交办)")


# The unit can still work on a task in these states; submitted and done tasks wait or are closed.
OPEN_STATUSES = (TaskStatus.TODO, TaskStatus.IN_PROGRESS, TaskStatus.RETURNED)


class TaskQuerySet(ScopedQuerySet):
    unit_path = "unit__"

    def with_light(self, rule) -> TaskQuerySet:
        """Annotate `light` by the campaign's traffic-light rule (tracker.work.lights)."""
        return self.annotate(light=rule.expression())


class Task(TimeStamped):
    """One thing a unit must do: a template's instance for one period, or a self-chosen task (自选动作)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("campaign"))
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("unit"))
    template = models.ForeignKey(
        TaskTemplate, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks", verbose_name=_("template")
    )
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("measure"))
    period_index = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=12, choices=TaskKind.choices, default=TaskKind.TASK)
    period_starts_on = models.DateField(_("period start"), null=True, blank=True)
    period_ends_on = models.DateField(_("period end"), null=True, blank=True)
    # Only self-chosen tasks carry their own words; template tasks show the template's.
    title = models.CharField(_("title"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_tasks",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.TODO)
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    # Kept by the entry service so lights and lists need no aggregate over entries.
    last_activity_on = models.DateField(_("last activity"), default=timezone.localdate)
    entry_count = models.PositiveIntegerField(_("entries"), default=0)
    # Date of the latest live entry (None: none yet), also kept by the entry services: the
    # dashboards' stale units read it instead of joining every entry.
    last_entry_on = models.DateField(_("last entry"), null=True, blank=True)
    # When the task was last handed in (set by task_submit): the dashboards' overdue reviews read
    # it through an index instead of the latest SUBMITTED event of every task awaiting review.
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    is_featured = models.BooleanField(_("featured as a model case"), default=False)
    # Set when its template was retired or stopped applying to the unit after the unit had worked on
    # it: the task stays readable with its entries but is closed and out of every count.
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Optimistic lock: a save from a page showing an older version is refused, not merged.
    version = models.PositiveIntegerField(default=1)

    objects = TaskQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["measure__order", "due_on", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "unit", "template", "period_index"],
                condition=Q(template__isnull=False),
                name="task_one_per_template_period",
            ),
            models.CheckConstraint(
                name="task_self_chosen_has_title", condition=Q(template__isnull=False) | ~Q(title="")
            ),
            models.CheckConstraint(name="task_progress_0_100", condition=Q(progress__gte=0, progress__lte=100)),
        ]
        indexes = [
            models.Index(fields=["unit", "campaign", "due_on"], name="task_unit_due"),
            models.Index(fields=["status", "due_on"], name="task_status_due"),
            # The review queue. On PostgreSQL, migration 0010 rebuilds it in the queue's own order
            # (campaign, submitted_at NULLS FIRST, id), so a page of the queue is read straight off
            # the index instead of sorting every submission; SQLite cannot index NULLS FIRST and
            # keeps this definition.
            models.Index(
                fields=["campaign", "submitted_at"], name="task_awaiting_review", condition=Q(status="submitted")
            ),
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def is_self_chosen(self) -> bool:
        return self.template_id is None

    @property
    def display_title(self) -> str:
        if self.template is None:
            return self.title
        title = self.template.title
        if self.period_starts_on and self.template.recurrence != "none":
            title = f"{title}（{date_format(self.period_starts_on, 'YEAR_MONTH_FORMAT')}）"
        return title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


# Both bases declare as_manager's return type for themselves; the stubs cannot merge the two.
class EntryQuerySet(SoftDeleteQuerySet, ScopedQuerySet):  # type: ignore[override]
    unit_path = "task__unit__"


class Entry(SoftDeletable):
    """One dated line in a task's log: what was done, optionally how far along, with evidence.

    Entries are never removed: a deleted entry keeps its row (and its evidence) and can be
    restored by its author or the unit leader; `objects` lists only live ones.

    An entry is either written by a person (`ledger` blank) or made by a ledger row that counts
    towards the task (`ledger` names that ledger); the latter follows its row and is never
    changed by hand. Task progress is derived from both kinds (tracker.work.progress).
    """

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="entries", verbose_name=_("task"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="entries", verbose_name=_("author")
    )
    occurred_on = models.DateField(_("date"))
    text = models.TextField(_("what was done"), max_length=4000)
    percent = models.PositiveSmallIntegerField(
        _("progress (%)"), null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    ledger = models.CharField(_("from ledger"), max_length=20, choices=Ledger.choices, blank=True, editable=False)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = AliveManager.from_queryset(EntryQuerySet)()
    all_objects = models.Manager.from_queryset(EntryQuerySet)()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        constraints = [
            models.CheckConstraint(
                name="entry_percent_0_100", condition=Q(percent__isnull=True) | Q(percent__gte=0, percent__lte=100)
            ),
            # A ledger row's entry counts; the percentage is what a person says.
            models.CheckConstraint(
                name="entry_ledger_has_no_percent", condition=Q(ledger="") | Q(percent__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.text[:40]}"


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    # The stored name never comes from the user: a random name keeps the extension only.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"evidence/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class EvidenceQuerySet(ScopedQuerySet):
    unit_path = "entry__task__unit__"


class PreviewState(models.TextChoices):
    PENDING = "pending", _("preview being prepared")
    READY = "ready", _("preview ready")
    NONE = "none", _("no preview")


class Evidence(models.Model):
    """A file (minutes, photos, sign-in sheet, report) attached to an entry (佐证材料).

    Its preview (tracker.work.previews) is made by a job after upload: JPEG pages stored next to
    the file (`<file>.preview-<n>.jpg`, `preview_pages` of them) and/or a text excerpt. The page
    shows only these, never the file itself.
    """

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("entry"))
    file = models.FileField(_("file"), upload_to=evidence_upload_to, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(max_length=100, blank=True)
    # SHA-256 of the content: the same file sent for several tasks or by several units is a
    # formalism signal (tracker.insights). Blank on files uploaded before it was kept.
    sha256 = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    preview_state = models.CharField(
        _("preview"), max_length=8, choices=PreviewState.choices, default=PreviewState.PENDING
    )
    preview_pages = models.PositiveSmallIntegerField(_("preview images"), default=0)
    preview_text = models.TextField(_("text excerpt"), blank=True)

    objects = EvidenceQuerySet.as_manager()
    # A preview is derived from the file, not a change anyone made.
    history = HistoricalRecords(excluded_fields=["preview_state", "preview_pages", "preview_text"])

    class Meta:
        ordering = ["id"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.original_name

    def preview_name(self, page: int) -> str:
        """The storage name of the preview image of `page` (0-based), next to the evidence file."""
        return f"{self.file.name}.preview-{page}.jpg"

    @property
    def preview_numbers(self) -> range:
        return range(self.preview_pages)


class EventKind(models.TextChoices):
    CREATED = "created", _("created")
    OWNER_CHANGED = "owner", _("owner changed")
    SUBMITTED = "submitted", _("submitted for review")
    ACCEPTED = "accepted", _("accepted")
    RETURNED = "returned", _("returned")


class TaskEvent(models.Model):
    """A step in a task's workflow (submitted, returned with a reason, accepted …), shown on its page."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="events", verbose_name=_("task"))
    kind = models.CharField(_("kind"), max_length=12, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    note = models.TextField(_("note"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("task event")
        verbose_name_plural = _("task events")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.task_id}"
