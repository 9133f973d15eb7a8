"""The ledgers (台账) every unit keeps (PRODUCT §4): rectification, research, deeds, institutions, study.

Every row belongs to one unit and one campaign and is read through `Model.objects.for_user(user)`.
Rows are never removed: deleting sets `deleted_at`, and the default manager hides such rows;
`all_objects` still sees them. Each row keeps its history (who, when, what) and a `version`
that refuses a save from a page showing an older state.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import PurePath
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from tracker.campaigns.models import Campaign, Ledger
from tracker.core.models import AliveManager, SoftDeletable, TimeStamped
from tracker.ledgers.text import no_control_characters, normalise_key, split_names
from tracker.orgs.models import Unit
from tracker.orgs.querysets import ScopedQuerySet
from tracker.work.models import Entry, Task

# Long-term rectification (长期整改) goes on after the campaign ends, "until the problem is solved".
LONG_TERM_HORIZON = timedelta(days=730)
TEXT = [no_control_characters]


def ledger_upload_to(instance: models.Model, filename: str) -> str:
    # The stored name never comes from the user: a random name keeps the extension only.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"ledgers/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class LedgerQuerySet(ScopedQuerySet):
    unit_path = "unit__"


class LedgerRow(SoftDeletable, TimeStamped):
    """What every ledger row has: its unit and campaign, who recorded it, a version and a soft delete."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", verbose_name=_("campaign"))
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    version = models.PositiveIntegerField(default=1)

    # Rows not deleted are what every page, export and count sees.
    objects = AliveManager.from_queryset(LedgerQuerySet)()
    all_objects = LedgerQuerySet.as_manager()

    # The ledger this model keeps, and the date that places a row in a monthly task's period.
    LEDGER: ClassVar[str]
    DATE_FIELD: ClassVar[str] = ""
    # Fields only the workflow services change (close-out), never a form.
    WORKFLOW_FIELDS: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.summary()

    def summary(self) -> str:
        raise NotImplementedError

    def get_absolute_url(self) -> str:
        return reverse("ledgers:row_detail", args=[self.LEDGER, self.pk])

    @property
    def is_editable(self) -> bool:
        return not self.is_deleted

    def ledger_date(self) -> date:
        """The day the row happened, for monthly task periods and for the task timeline."""
        if self.DATE_FIELD and getattr(self, self.DATE_FIELD):
            return getattr(self, self.DATE_FIELD)
        return timezone.localdate(self.created_at) if self.created_at else timezone.localdate()

    # Date checks against the campaign, shared by the ledgers' clean().
    def _check_past(self, errors: dict, field: str) -> None:
        value = getattr(self, field)
        if value is None or not self.campaign_id:
            return
        if value > timezone.localdate():
            errors[field] = _("The date cannot be in the future.")
        elif value < self.campaign.starts_on:
            errors[field] = _("The date is before the campaign started (%(start)s).") % {
                "start": date_format(self.campaign.starts_on, "SHORT_DATE_FORMAT")
            }

    def _check_deadline(self, errors: dict, field: str, *, horizon: timedelta = LONG_TERM_HORIZON) -> None:
        value = getattr(self, field)
        if value is None or not self.campaign_id:
            return
        last = self.campaign.ends_on + horizon
        if not self.campaign.starts_on <= value <= last:
            errors[field] = _("The date must fall between %(start)s and %(end)s.") % {
                "start": date_format(self.campaign.starts_on, "SHORT_DATE_FORMAT"),
                "end": date_format(last, "SHORT_DATE_FORMAT"),
            }


class ProgressStatus(models.TextChoices):
    PLANNED = "planned", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


def _percent_validators():
    return [MinValueValidator(0), MaxValueValidator(100)]


# ---------------------------------------------------------------------------- 检视整改


class RectificationSource(models.TextChoices):
    SELF_INSPECTION = "self_inspection", _("Self-inspection")
    OPINIONS = "opinions", _("Opinions solicited")
    GUIDANCE = "guidance", _("Guidance group feedback")
    SUPERIOR = "superior", _("Assigned by a superior")


class RectificationCategory(models.TextChoices):
    THINKING = "thinking", _("Ideas and understanding")
    ABILITY = "ability", _("Skills and ability")
    RESPONSIBILITY = "responsibility", _("Taking responsibility")
    STYLE = "style", _("Work style")
    INTEGRITY = "integrity", _("Integrity and discipline")
    SERVICE = "service", _("Serving the people")
    OTHER = "other", _("Other")


class RectificationKind(models.TextChoices):
    IMMEDIATE = "immediate", _("Fix at once")
    LONG_TERM = "long_term", _("Long-term, in stages")


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("Being fixed")
    REQUESTED = "requested", _("Close-out requested")
    RETURNED = "returned", _("Returned")
    CLOSED = "closed", _("Closed out")


# The unit can still change an item in these states; a requested item waits for the verifier.
RECTIFICATION_OPEN = (RectificationStatus.OPEN, RectificationStatus.RETURNED)


class RectificationItem(LedgerRow):
    """One problem in the unit's rectification ledger (整改清单): what, why, who fixes it by when.

    An item is closed out (销号) only by a verifier: the unit requests close-out with evidence,
    and the office or the unit's guidance group verifies it or returns it with a reason.
    """

    problem = models.TextField(_("problem"), max_length=2000, validators=TEXT)
    source = models.CharField(_("source"), max_length=20, choices=RectificationSource.choices)
    category = models.CharField(
        pgettext_lazy("rectification problem", "category"), max_length=20, choices=RectificationCategory.choices
    )
    measures = models.TextField(_("rectification measures"), max_length=2000, blank=True, validators=TEXT)
    responsible_leader = models.CharField(_("responsible leader"), max_length=100, blank=True, validators=TEXT)
    deadline = models.DateField(_("deadline"))
    kind = models.CharField(_("kind"), max_length=12, choices=RectificationKind.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=RectificationStatus.choices, default=RectificationStatus.OPEN
    )
    affects_public = models.BooleanField(_("affects the public"), default=False)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (%)"), null=True, blank=True, validators=_percent_validators()
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("raised by"),
    )
    closed_on = models.DateField(_("closed out on"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])
    LEDGER = Ledger.RECTIFICATION
    WORKFLOW_FIELDS = ("status", "closed_on", "closed_by", "raised_by")

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("rectification item")
        verbose_name_plural = _("rectification items")
        constraints = [
            models.CheckConstraint(
                name="rectification_satisfaction_0_100",
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=0, satisfaction__lte=100),
            ),
            models.CheckConstraint(
                name="rectification_closed_has_date", condition=~Q(status="closed") | Q(closed_on__isnull=False)
            ),
        ]
        indexes = [models.Index(fields=["unit", "campaign", "status"], name="rect_unit_status")]

    def summary(self) -> str:
        return Truncator(self.problem).chars(60)

    @property
    def is_editable(self) -> bool:
        return not self.is_deleted and self.status in RECTIFICATION_OPEN

    def clean(self) -> None:
        errors: dict = {}
        self.problem = (self.problem or "").strip()
        if not self.problem:
            errors["problem"] = _("Describe the problem.")
        horizon = LONG_TERM_HORIZON if self.kind == RectificationKind.LONG_TERM else timedelta(0)
        self._check_deadline(errors, "deadline", horizon=horizon)
        if errors:
            raise ValidationError(errors)


class MilestoneQuerySet(ScopedQuerySet):
    unit_path = "item__unit__"


class RectificationMilestone(models.Model):
    """A staged target of a long-term item (长期整改的阶段目标), with its own date."""

    item = models.ForeignKey(
        RectificationItem, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("item")
    )
    title = models.CharField(_("staged target"), max_length=200, validators=TEXT)
    due_on = models.DateField(_("due date"))
    reached_on = models.DateField(_("reached on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MilestoneQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.title


class RectificationEventKind(models.TextChoices):
    CREATED = "created", _("recorded")
    RAISED = "raised", _("raised by the guidance group or office")
    MILESTONE = "milestone", _("staged target reached")
    REQUESTED = "requested", _("close-out requested")
    VERIFIED = "verified", _("verified and closed out")
    RETURNED = "returned", _("returned")


class RectificationEvent(models.Model):
    """A step of an item's close-out (requested, verified, returned with a reason), shown on its page."""

    item = models.ForeignKey(RectificationItem, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=12, choices=RectificationEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("rectification event")
        verbose_name_plural = _("rectification events")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.item_id}"


class EvidenceQuerySet(ScopedQuerySet):
    unit_path = "item__unit__"


class RectificationEvidence(models.Model):
    """A file showing a problem was fixed (before/after photos, minutes …)."""

    item = models.ForeignKey(RectificationItem, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("file"), upload_to=ledger_upload_to, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(max_length=100, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("rectification evidence")
        verbose_name_plural = _("rectification evidence")

    def __str__(self) -> str:
        return self.original_name


# ---------------------------------------------------------------------------- 调查研究


class ResearchTopic(LedgerRow):
    """A research topic (调研课题) a leader of the unit takes on."""

    leader_name = models.CharField(_("leader"), max_length=100, validators=TEXT)
    title = models.CharField(_("topic"), max_length=200, validators=TEXT)
    title_key = models.CharField(max_length=200, editable=False, db_index=True)
    description = models.TextField(_("description"), max_length=2000, blank=True, validators=TEXT)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    LEDGER = Ledger.TOPICS

    class Meta:
        ordering = ["leader_name", "id"]
        verbose_name = _("research topic")
        verbose_name_plural = _("research topics")

    def summary(self) -> str:
        return f"{self.title}（{self.leader_name}）"

    def clean(self) -> None:
        self.title_key = normalise_key(self.title)[:200]
        if self.title and not self.title_key:
            raise ValidationError({"title": _("Give the topic a title in words.")})


class ResearchVisit(LedgerRow):
    """A visit to a grassroots site (调研走访): where, when, who led it, who went, announced or not."""

    topic = models.ForeignKey(
        ResearchTopic,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("research topic"),
    )
    site = models.CharField(_("site"), max_length=200, validators=TEXT)
    site_key = models.CharField(max_length=200, editable=False, db_index=True)
    visited_on = models.DateField(_("date"))
    leader_name = models.CharField(_("leading official"), max_length=100, validators=TEXT)
    leader_key = models.CharField(max_length=100, editable=False)
    participants = models.TextField(_("participants"), max_length=1000, blank=True, validators=TEXT)
    unannounced = models.BooleanField(_("unannounced (四不两直)"), default=False)
    findings = models.TextField(_("what was found"), max_length=4000, blank=True, validators=TEXT)
    crowding_confirmed = models.BooleanField(_("saved despite a crowding warning"), default=False, editable=False)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    LEDGER = Ledger.VISITS
    DATE_FIELD = "visited_on"

    class Meta:
        ordering = ["-visited_on", "-id"]
        verbose_name = _("research visit")
        verbose_name_plural = _("research visits")
        indexes = [models.Index(fields=["campaign", "site_key", "visited_on"], name="visit_site_date")]

    def summary(self) -> str:
        return f"{self.visited_on:%Y-%m-%d} {self.site}（{self.leader_name}）"

    def clean(self) -> None:
        errors: dict = {}
        self.site_key = normalise_key(self.site)[:200]
        self.leader_key = normalise_key(self.leader_name)[:100]
        if self.site and not self.site_key:
            errors["site"] = _("Name the site in words.")
        self._check_past(errors, "visited_on")
        if self.topic_id and self.topic.unit_id != self.unit_id:
            errors["topic"] = _("Choose one of the unit's own topics.")
        if errors:
            raise ValidationError(errors)


class ResearchReport(LedgerRow):
    """A research report (调研报告) written after the visits."""

    topic = models.ForeignKey(
        ResearchTopic,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("research topic"),
    )
    title = models.CharField(_("title"), max_length=200, validators=TEXT)
    author_name = models.CharField(_("written by"), max_length=100, blank=True, validators=TEXT)
    completed_on = models.DateField(_("completed on"))
    synopsis = models.TextField(_("main points"), max_length=4000, blank=True, validators=TEXT)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    LEDGER = Ledger.REPORTS
    DATE_FIELD = "completed_on"

    class Meta:
        ordering = ["-completed_on", "-id"]
        verbose_name = _("research report")
        verbose_name_plural = _("research reports")

    def summary(self) -> str:
        return self.title

    def clean(self) -> None:
        errors: dict = {}
        self._check_past(errors, "completed_on")
        if self.topic_id and self.topic.unit_id != self.unit_id:
            errors["topic"] = _("Choose one of the unit's own topics.")
        if errors:
            raise ValidationError(errors)


class ConversionItem(LedgerRow):
    """One line of the conversion list (调研成果转化运用清单), followed up until done."""

    report = models.ForeignKey(
        ResearchReport,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversions",
        verbose_name=_("research report"),
    )
    title = models.CharField(_("measure to put into practice"), max_length=200, validators=TEXT)
    responsible = models.CharField(_("responsible person"), max_length=100, blank=True, validators=TEXT)
    due_on = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=12, choices=ProgressStatus.choices, default=ProgressStatus.PLANNED
    )
    follow_up = models.TextField(_("follow-up and return visits"), max_length=4000, blank=True, validators=TEXT)
    done_on = models.DateField(_("done on"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    LEDGER = Ledger.CONVERSION

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("conversion item")
        verbose_name_plural = _("conversion items")

    def summary(self) -> str:
        return self.title

    def clean(self) -> None:
        errors: dict = {}
        self._check_deadline(errors, "due_on")
        _check_done(self, errors)
        if self.report_id and self.report.unit_id != self.unit_id:
            errors["report"] = _("Choose one of the unit's own reports.")
        if errors:
            raise ValidationError(errors)


def _check_done(row: LedgerRow, errors: dict) -> None:
    """A done row says when; a row not done has no done date."""
    if row.status == ProgressStatus.DONE and row.done_on is None:
        errors["done_on"] = _("Say when it was done.")
    elif row.status != ProgressStatus.DONE and row.done_on is not None:
        errors["done_on"] = _("Only a row marked done has a done date.")
    else:
        row._check_past(errors, "done_on")


# ---------------------------------------------------------------------------- 为民办实事


class DeedArea(models.TextChoices):
    """The five areas of S2 l.20."""

    EMPLOYMENT_INCOME = "employment_income", _("Jobs and incomes")
    SOCIAL_SECURITY = "social_security", _("Social security")
    EDUCATION_HEALTH = "education_health", _("Education and health care")
    CULTURE_SPORT = "culture_sport", _("Culture and sport")
    CHILDCARE_ELDERCARE = "childcare_eldercare", _("Childcare and elderly care")


class PracticalDeed(LedgerRow):
    """A practical deed for the people (为民办实事): the people's satisfaction is the yardstick."""

    title = models.CharField(_("deed"), max_length=200, validators=TEXT)
    area = models.CharField(_("area"), max_length=24, choices=DeedArea.choices)
    target = models.TextField(_("target"), max_length=2000, blank=True, validators=TEXT)
    responsible = models.CharField(_("responsible person"), max_length=100, blank=True, validators=TEXT)
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=12, choices=ProgressStatus.choices, default=ProgressStatus.PLANNED
    )
    people_served = models.PositiveIntegerField(
        _("people served"), null=True, blank=True, validators=[MaxValueValidator(100_000_000)]
    )
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (%)"), null=True, blank=True, validators=_percent_validators()
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    LEDGER = Ledger.DEEDS

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("practical deed")
        verbose_name_plural = _("practical deeds")
        constraints = [
            models.CheckConstraint(
                name="deed_satisfaction_0_100",
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=0, satisfaction__lte=100),
            ),
        ]

    def summary(self) -> str:
        return self.title

    def clean(self) -> None:
        errors: dict = {}
        self._check_deadline(errors, "deadline")
        _check_done(self, errors)
        if errors:
            raise ValidationError(errors)


# ---------------------------------------------------------------------------- 建章立制


class InstitutionAction(models.TextChoices):
    NEW = "new", _("New")
    REVISED = "revised", _("Revised")
    REPEALED = "repealed", _("Repealed")


class Institution(LedgerRow):
    """A rule (制度) adopted, revised or repealed, linked to the problems it answers."""

    title = models.CharField(_("rule"), max_length=200, validators=TEXT)
    action = models.CharField(_("new, revised or repealed"), max_length=10, choices=InstitutionAction.choices)
    adopted_on = models.DateField(_("adopted on"))
    doc_number = models.CharField(_("document number"), max_length=100, blank=True, validators=TEXT)
    document = models.FileField(_("document"), upload_to=ledger_upload_to, max_length=255, blank=True)
    document_name = models.CharField(_("document file name"), max_length=255, blank=True)
    problems = models.ManyToManyField(
        RectificationItem, blank=True, related_name="institutions", verbose_name=_("problems it answers")
    )

    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[problems])
    LEDGER = Ledger.INSTITUTIONS
    DATE_FIELD = "adopted_on"

    class Meta:
        ordering = ["-adopted_on", "-id"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")

    def summary(self) -> str:
        return self.title

    def clean(self) -> None:
        errors: dict = {}
        self._check_past(errors, "adopted_on")
        if errors:
            raise ValidationError(errors)


# ---------------------------------------------------------------------------- 理论学习


class StudyKind(models.TextChoices):
    READING_CLASS = "reading_class", _("Reading class")
    CENTRAL_GROUP = "central_group", _("Central study group")
    LECTURE = "lecture", _("Lecture")
    OTHER = "other", _("Other")


class StudyMode(models.TextChoices):
    OFFLINE = "offline", _("Offline")
    ONLINE = "online", _("Online")


class StudySession(LedgerRow):
    """A study session (学习记录): kind, online or offline, date, hours and who attended."""

    kind = models.CharField(_("kind"), max_length=16, choices=StudyKind.choices)
    mode = models.CharField(_("online or offline"), max_length=10, choices=StudyMode.choices)
    topic = models.CharField(_("topic"), max_length=200, validators=TEXT)
    held_on = models.DateField(_("date"))
    hours = models.DecimalField(
        _("hours"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("24"))],
    )
    attendance = models.PositiveIntegerField(
        _("attendance"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(100_000)]
    )
    attendees = models.TextField(_("names of attendees"), max_length=4000, blank=True, validators=TEXT)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    LEDGER = Ledger.STUDY
    DATE_FIELD = "held_on"

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("study session")
        verbose_name_plural = _("study sessions")

    def summary(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.get_kind_display()}：{self.topic}"

    def clean(self) -> None:
        errors: dict = {}
        self._check_past(errors, "held_on")
        names = split_names(self.attendees)
        if self.attendance is None and names:
            self.attendance = len(names)
        if self.attendance is None:
            errors["attendance"] = _("Give the number of attendees or their names.")
        if errors:
            raise ValidationError(errors)


# ---------------------------------------------------------------------------- tasks ↔ ledgers


class LedgerEntryLink(models.Model):
    """The task entry a ledger row produced (一表通), so the entry goes when the row stops counting."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="+")
    entry = models.OneToOneField(Entry, on_delete=models.CASCADE, related_name="ledger_link")
    ledger = models.CharField(max_length=20, choices=Ledger.choices)
    row_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "ledger", "row_id"], name="ledger_link_one_per_task_row"),
        ]
        indexes = [models.Index(fields=["ledger", "row_id"], name="ledger_link_row")]

    def __str__(self) -> str:
        return f"{self.ledger}#{self.row_id} → task {self.task_id}"
