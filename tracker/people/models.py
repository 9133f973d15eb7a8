"""People of a unit and the research they plan.

A unit's roster lists its leadership team (班子成员, with posts) and the Party members it names;
`UnitMembership` keeps how many Party members it has, names or not. Study sessions take 应到/实到
from the roster; a task may name a leader responsible besides its owner (一岗双责). A planned
visit (调研计划) is registered before the trip, so the crowding guard warns while plans can still
change, and it becomes the visit record afterwards without retyping.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tracker.campaigns.models import Campaign
from tracker.core.models import TimeStamped
from tracker.ledgers.models import TEXT, ResearchVisit
from tracker.ledgers.text import normalise_key
from tracker.orgs.models import Unit
from tracker.orgs.querysets import ScopedQuerySet
from tracker.work.models import Task


class UnitScoped(ScopedQuerySet):
    unit_path = "unit__"


class RosterMember(TimeStamped):
    """One person on a unit's roster: a leadership-team member (with post) or a named Party member."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="roster", verbose_name=_("unit"))
    name = models.CharField(_("name"), max_length=50, validators=TEXT)
    name_key = models.CharField(max_length=50, editable=False)
    post = models.CharField(_("post"), max_length=100, blank=True, validators=TEXT)
    is_leader = models.BooleanField(_("on the leadership team"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = UnitScoped.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["unit", "-is_leader", "order", "id"]
        verbose_name = _("roster member")
        verbose_name_plural = _("roster members")
        constraints = [models.UniqueConstraint(fields=["unit", "name_key"], name="roster_one_name_per_unit")]

    def __str__(self) -> str:
        return f"{self.name}（{self.post}）" if self.post else self.name

    def save(self, *args, **kwargs):
        self.name_key = normalise_key(self.name)[:50]
        super().save(*args, **kwargs)


class UnitMembership(TimeStamped):
    """How many Party members a unit has (names optional on the roster)."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="membership")
    party_members = models.PositiveIntegerField(_("Party members"), default=0)

    objects = UnitScoped.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.party_members}"


class TaskLeaderQuerySet(ScopedQuerySet):
    unit_path = "task__unit__"


class TaskLeader(models.Model):
    """The leader responsible for a task besides its owner (一岗双责)."""

    task = models.OneToOneField(Task, on_delete=models.CASCADE, related_name="responsible_leader")
    leader = models.ForeignKey(RosterMember, on_delete=models.CASCADE, related_name="tasks_led")

    objects = TaskLeaderQuerySet.as_manager()
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"{self.task_id} → {self.leader}"


class PlanStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Visit recorded")
    CANCELLED = "cancelled", _("Cancelled")


class PlannedVisit(TimeStamped):
    """A research visit registered ahead of time (调研计划): site, date, leader, purpose."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"))
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    site = models.CharField(_("site"), max_length=200, validators=TEXT)
    site_key = models.CharField(max_length=200, editable=False, db_index=True)
    planned_on = models.DateField(_("planned date"))
    leader_name = models.CharField(_("leading official"), max_length=100, validators=TEXT)
    purpose = models.TextField(_("purpose"), max_length=1000, blank=True, validators=TEXT)
    status = models.CharField(_("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.PLANNED)
    crowding_reason = models.TextField(
        _("reason for planning despite the crowding warning"), max_length=500, blank=True, editable=False
    )
    suggested_on = models.DateField(_("another date suggested"), null=True, blank=True, editable=False)
    suggestion_note = models.CharField(_("note with the suggestion"), max_length=300, blank=True, editable=False)
    visit = models.OneToOneField(
        ResearchVisit, on_delete=models.SET_NULL, null=True, blank=True, related_name="plan", editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", editable=False
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = UnitScoped.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["planned_on", "id"]
        verbose_name = _("planned visit")
        verbose_name_plural = _("planned visits")
        indexes = [models.Index(fields=["campaign", "planned_on"], name="plan_campaign_day")]

    def __str__(self) -> str:
        return f"{self.planned_on:%Y-%m-%d} {self.site}（{self.leader_name}）"

    def clean(self) -> None:
        self.site_key = normalise_key(self.site)[:200]
