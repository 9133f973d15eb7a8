"""What one person's reminder mail says, rendered as text and HTML in their language.

`mail_render()` takes the reminders one batch decided for one person and returns subject and
bodies; links are absolute (SITE_URL), because a mail is read outside any request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from tracker.reminders.digest import OfficeDigest, UnitDigest
from tracker.reminders.models import Kind, Notification, ReminderPreference
from tracker.work.models import Task

# A mail lists at most this many tasks per section; the rest are one click away.
SECTION_LIMIT = 50


def absolute_url(name: str, *args) -> str:
    return f"{settings.SITE_URL}{reverse(name, args=args)}"


def mail_language(user) -> str:
    try:
        return user.reminder_preference.language
    except ReminderPreference.DoesNotExist:
        return settings.LANGUAGE_CODE


@dataclass
class Item:
    title: str
    unit: str
    due_on: date
    days_late: int
    url: str


@dataclass
class Section:
    kind: str
    items: list[Item]
    more: int = 0


@dataclass
class Urge:
    by: str
    note: str
    unit: str
    url: str
    items: list[Item] = field(default_factory=list)


@dataclass
class MailParts:
    """A person's reminders of one batch, sorted into what the mail shows."""

    due_soon: list[Task] = field(default_factory=list)
    overdue: list[Task] = field(default_factory=list)
    escalated: list[Task] = field(default_factory=list)
    urges: list[tuple[Notification, list[Task]]] = field(default_factory=list)
    unit_digests: list[UnitDigest] = field(default_factory=list)
    office_digests: list[OfficeDigest] = field(default_factory=list)


@dataclass
class RenderedMail:
    subject: str
    text: str
    html: str
    language: str


def _item(task: Task, today: date) -> Item:
    return Item(
        title=task.display_title,
        unit=task.unit.name,
        due_on=task.due_on,
        days_late=max(0, (today - task.due_on).days),
        url=absolute_url("work:task_detail", task.pk),
    )


def _section(kind: str, tasks: list[Task], today: date) -> Section | None:
    if not tasks:
        return None
    ordered = sorted(tasks, key=lambda t: (t.unit.path, t.due_on, t.pk))
    return Section(
        kind=kind,
        items=[_item(t, today) for t in ordered[:SECTION_LIMIT]],
        more=max(0, len(ordered) - SECTION_LIMIT),
    )


def _subject(parts: MailParts) -> str:
    bits = []
    if parts.urges:
        bits.append(_("urged by the office"))
    if parts.escalated:
        bits.append(_("%(n)d escalated") % {"n": len(parts.escalated)})
    if parts.overdue:
        bits.append(_("%(n)d overdue") % {"n": len(parts.overdue)})
    if parts.due_soon:
        bits.append(_("%(n)d due soon") % {"n": len(parts.due_soon)})
    if parts.unit_digests or parts.office_digests:
        bits.append(_("weekly digest"))
    return _("Campaign Tracker: %(summary)s") % {"summary": " · ".join(bits)}


def mail_render(*, user, parts: MailParts, today: date, display_name: Callable[[object], str]) -> RenderedMail:
    language = mail_language(user)
    with translation.override(language):
        sections = [
            s
            for s in (
                _section(Kind.ESCALATION, parts.escalated, today),
                _section(Kind.OVERDUE, parts.overdue, today),
                _section(Kind.DUE_SOON, parts.due_soon, today),
            )
            if s is not None
        ]
        urges = [
            Urge(
                by=display_name(note.created_by) if note.created_by else "",
                note=note.note,
                unit=note.unit.name,
                url=absolute_url("work:task_detail", note.task_id)
                if note.task_id
                else absolute_url("work:unit_detail", note.unit_id),
                items=[_item(t, today) for t in tasks[:SECTION_LIMIT]],
            )
            for note, tasks in parts.urges
        ]
        context = {
            "name": display_name(user),
            "today": today,
            "urges": urges,
            "sections": sections,
            "unit_digests": parts.unit_digests,
            "office_digests": parts.office_digests,
            "units_url": absolute_url("orgs:unit_list"),
            "preferences_url": absolute_url("reminders:preferences"),
            "site_url": settings.SITE_URL,
            "kinds": Kind,
        }
        return RenderedMail(
            subject=_subject(parts)[:255],
            text=render_to_string("reminders/mail/reminder.txt", context),
            html=render_to_string("reminders/mail/reminder.html", context),
            language=language,
        )
