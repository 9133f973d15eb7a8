"""Turning the reminders one batch decided into queued mails: one per person, in their language.

Used by the services inside the transaction that decided the reminders. Memory stays bounded
however big the batch: recipients are handled in slices, a mail lists at most SECTION_LIMIT
tasks per kind (an office may have thousands escalated, the rest are counted in SQL), each
task is loaded once per slice however many people it concerns, and rendered mails are written
as each slice is done.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from tracker.campaigns.models import Campaign, TaskTemplate
from tracker.core import memory
from tracker.core.bulk import insert_rows
from tracker.core.types import User
from tracker.orgs.models import Unit
from tracker.reminders.digest import (
    MAIL_TASK_FIELDS,
    OfficeDigest,
    mail_templates,
    office_digest,
    office_digests,
    tasks_relate,
    unit_digests,
)
from tracker.reminders.mail import SECTION_LIMIT, MailParts, UrgeNote, mail_render
from tracker.reminders.models import Kind, MailStatus, Notification, OutboxMail
from tracker.reminders.push import batch_push, wants_mail
from tracker.rollups.services import rollups_refresh
from tracker.work.lights import LightRule
from tracker.work.models import Task

RECIPIENT_SLICE = 500
MAIL_FIELDS = ("recipient", "to_email", "language", "subject", "body_text", "body_html")


@dataclass
class MailTally:
    """What a batch queued, counted as it goes; only the first `keep` plans are kept (a province
    sweep reminds over 100,000 people: their plans would be the largest thing in memory)."""

    keep: int
    plans: list[MailPlan] = field(default_factory=list)
    people: int = 0
    mailed: int = 0
    kinds: dict[str, int] = field(default_factory=dict)

    def add(self, plan: MailPlan) -> None:
        self.people += 1
        self.mailed += bool(plan.email)
        for kind, n in plan.kinds.items():
            self.kinds[kind] = self.kinds.get(kind, 0) + n
        if len(self.plans) < self.keep:
            self.plans.append(plan)


def display_name(user: User) -> str:
    return user.get_full_name() or user.get_username()


@dataclass
class MailPlan:
    """One person's reminders of a batch, as the sweep reports them: to whom, how many of each kind.

    `email` is the address the reminder mail goes to, or "" when the person has no address or
    switched mail off: they get the same reminder under the bell and on their other channels.
    """

    username: str
    email: str
    kinds: dict[str, int]


@dataclass
class _Batch:
    batch: uuid.UUID
    today: date
    send_at: datetime
    totals: dict[int, dict[str, int]]
    rules: dict[int, LightRule] = field(default_factory=dict)
    campaigns: dict[int, Campaign] = field(default_factory=dict)
    office_digests: dict[tuple[int, int], OfficeDigest] = field(default_factory=dict)
    lines: dict = field(default_factory=dict)
    templates: dict[int, TaskTemplate] | None = None

    def mail_constants(self) -> dict[str, Any]:
        """The columns every mail of the batch shares (`insert_rows` writes no defaults)."""
        return {
            "batch": self.batch,
            "status": MailStatus.QUEUED,
            "attempts": 0,
            "last_error": "",
            "next_attempt_at": self.send_at,
            "created_at": timezone.now(),
        }

    def campaign(self, pk: int) -> Campaign:
        if pk not in self.campaigns:
            self.campaigns[pk] = Campaign.objects.get(pk=pk)
        return self.campaigns[pk]

    def rule(self, campaign: Campaign) -> LightRule:
        if campaign.pk not in self.rules:
            rule = LightRule.for_campaign(campaign, self.today)
            # The office digest's stale units are read from the roll-ups, as on the dashboard.
            rollups_refresh(campaign=campaign, rule=rule)
            self.rules[campaign.pk] = rule
        return self.rules[campaign.pk]


def mails_queue(
    *,
    batch: uuid.UUID,
    today: date,
    send_at: datetime,
    tally: MailTally | None = None,
    recipients: tuple[int, int] | None = None,
) -> list[MailPlan]:
    """Queue each recipient's reminders of `batch`, due at `send_at`; report what was queued.

    Everyone gets one notification (bell and chosen channels, `push.batch_push`); the reminder
    mail with the full lists is one `OutboxMail`, for those who have an address and keep mail on.
    With a `tally`, what was queued is counted there and only its first `keep` plans returned.
    `recipients` (first, last user id) limits it to one slice of the batch (`MailSlice`).
    """
    notes = Notification.objects.filter(batch=batch).order_by()
    if recipients is not None:
        notes = notes.filter(recipient_id__gte=recipients[0], recipient_id__lte=recipients[1])
    totals: dict[int, dict[str, int]] = defaultdict(dict)
    for recipient_id, kind, count in (
        notes.values("recipient_id", "kind").annotate(n=Count("pk")).values_list("recipient_id", "kind", "n")
    ):
        totals[recipient_id][kind] = count
    state = _Batch(batch=batch, today=today, send_at=send_at, totals=totals)
    _office_digests_prepare(state, notes)
    people = sorted(totals)
    tally = tally or MailTally(keep=len(people))
    for start in range(0, len(people), RECIPIENT_SLICE):
        for plan in _queue_slice(state, people[start : start + RECIPIENT_SLICE]):
            tally.add(plan)
        memory.release()  # a slice's mails are written: give their memory back before the next
    return tally.plans


def _mail_tasks(state: _Batch, ids: set[int]) -> dict[int, Task]:
    """The tasks a slice's mails list, each with its template and unit: the templates (a few dozen)
    are read once per batch and the units once per slice, instead of three model objects per task."""
    if state.templates is None:
        state.templates = mail_templates()
    tasks = Task.objects.filter(pk__in=ids).only(*MAIL_TASK_FIELDS).in_bulk()
    units = Unit.objects.only("name", "path").in_bulk({task.unit_id for task in tasks.values()})
    tasks_relate(tasks.values(), templates=state.templates, units=units)
    return tasks


def _office_digests_prepare(state: _Batch, notes: QuerySet[Notification]) -> None:
    """Every office digest of the batch at once: their red lists are one statement per campaign."""
    offices: dict[int, set[int]] = defaultdict(set)
    pairs = notes.filter(kind=Kind.DIGEST).exclude(key__contains=":digest:unit:").values_list("campaign_id", "unit_id")
    for campaign_id, unit_id in pairs.distinct():
        offices[campaign_id].add(unit_id)
    for campaign_id, unit_ids in offices.items():
        campaign = state.campaign(campaign_id)
        units = list(Unit.objects.filter(pk__in=unit_ids).order_by("path"))
        for unit_id, digest in office_digests(campaign=campaign, rule=state.rule(campaign), units=units).items():
            state.office_digests[(campaign_id, unit_id)] = digest


def _queue_slice(state: _Batch, recipient_ids: list[int]) -> list[MailPlan]:
    shown = (
        Notification.objects.filter(batch=state.batch, recipient_id__in=recipient_ids)
        .order_by()
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("recipient_id"), F("kind")],
                order_by=[F("task__unit__path").asc(), F("task__due_on").asc(), F("pk").asc()],
            )
        )
        .filter(rank__lte=SECTION_LIMIT)
    )
    rows = list(
        shown.values_list("recipient_id", "kind", "key", "task_id", "unit_id", "campaign_id", "note", "created_by_id")
    )
    # By the ids just read: as a subquery, the window above ran twice (half a second a slice at province scale).
    tasks = _mail_tasks(state, {row[3] for row in rows if row[3] is not None})
    # Units and authors are needed only for digests and urges: a few rows.
    rare = [row for row in rows if row[1] in (Kind.DIGEST, Kind.URGE)]
    units = Unit.objects.in_bulk({row[4] for row in rare})
    authors = get_user_model().objects.in_bulk({row[7] for row in rare if row[7]})
    users = (
        get_user_model().objects.filter(pk__in=recipient_ids).select_related("preference", "notify_profile").in_bulk()
    )

    leader_units: dict[int, list[int]] = defaultdict(list)
    for _recipient, kind, key, _task, unit_id, campaign_id, _note, _by in rare:
        if kind == Kind.DIGEST and ":digest:unit:" in key:
            leader_units[campaign_id].append(unit_id)
    unit_digest = {}
    for campaign_id, ids in leader_units.items():
        campaign = state.campaign(campaign_id)
        for unit_id, digest in unit_digests(campaign=campaign, rule=state.rule(campaign), unit_ids=ids).items():
            unit_digest[(campaign_id, unit_id)] = digest

    parts: dict[int, MailParts] = {}
    for recipient_id, kind, key, task_id, unit_id, campaign_id, note, by_id in rows:
        mine = parts.setdefault(recipient_id, MailParts(totals=state.totals[recipient_id]))
        if kind == Kind.DUE_SOON:
            mine.due_soon.append(tasks[task_id])
        elif kind == Kind.OVERDUE:
            mine.overdue.append(tasks[task_id])
        elif kind == Kind.ESCALATION:
            mine.escalated.append(tasks[task_id])
        elif kind == Kind.URGE:
            campaign = state.campaign(campaign_id)
            listed = urged_tasks(
                task=tasks.get(task_id), unit=units[unit_id], campaign=campaign, rule=state.rule(campaign)
            )
            mine.urges.append(
                UrgeNote(unit=units[unit_id], task_id=task_id, note=note, by=authors.get(by_id), tasks=listed)
            )
        elif ":digest:unit:" in key:
            mine.unit_digests.append(unit_digest[(campaign_id, unit_id)])
        else:
            if (campaign_id, unit_id) not in state.office_digests:
                campaign = state.campaign(campaign_id)
                state.office_digests[(campaign_id, unit_id)] = office_digest(
                    campaign=campaign, rule=state.rule(campaign), unit=units[unit_id]
                )
            mine.office_digests.append(state.office_digests[(campaign_id, unit_id)])

    mails, plans, pushed = [], [], []
    for user_id, mine in parts.items():
        user = users[user_id]
        _list_escalated_once(mine)
        rendered = mail_render(user=user, parts=mine, today=state.today, display_name=display_name, memo=state.lines)
        mailed = wants_mail(user)
        pushed.append((user, mine, rendered))
        plans.append(
            MailPlan(username=user.get_username(), email=user.email if mailed else "", kinds=state.totals[user_id])
        )
        if not mailed:
            continue
        mails.append((user.pk, user.email, rendered.language, rendered.subject, rendered.text, rendered.html))
    # Plain value rows, past the model machinery (a province's first sweep writes 110,000 mails).
    insert_rows(OutboxMail, MAIL_FIELDS, mails, constants=state.mail_constants())
    batch_push(batch=state.batch, today=state.today, mails=pushed)
    state.lines.clear()  # the next slice has other tasks; keep memory flat
    return plans


def _list_escalated_once(parts: MailParts) -> None:
    """A leader who also owns a task is both reminded and escalated to: list the task once, as 督办."""
    escalated = {task.pk for task in parts.escalated}
    kept = [task for task in parts.overdue if task.pk not in escalated]
    if len(kept) < len(parts.overdue):
        parts.totals = {**parts.totals, Kind.OVERDUE: parts.totals[Kind.OVERDUE] - (len(parts.overdue) - len(kept))}
        parts.overdue = kept


def urged_tasks(*, task: Task | None, unit: Unit, campaign: Campaign, rule: LightRule) -> list[Task]:
    """A task urge lists that task; a unit urge lists the unit's red and due-soon tasks."""
    if task is not None:
        return [task]
    return list(
        Task.objects.filter(unit=unit, campaign=campaign)
        .filter(rule.red_q() | rule.due_soon_q())
        .select_related("template", "unit")
        .order_by("due_on", "pk")
    )
