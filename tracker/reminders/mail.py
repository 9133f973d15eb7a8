"""What one person's reminder mail says, rendered as text and HTML in their language.

`mail_render()` takes the reminders one batch decided for one person and returns subject and
bodies; links are absolute (SITE_URL), because a mail is read outside any request. Lines are
composed here, once per item, so the templates stay a thin loop: a sweep renders thousands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from tracker.core.models import UserPreference
from tracker.core.types import User
from tracker.orgs.models import Unit
from tracker.reminders.digest import OfficeDigest, UnitDigest
from tracker.reminders.models import Kind
from tracker.work.models import Task

# A mail lists at most this many tasks per section; the rest are one click away.
SECTION_LIMIT = 50


def absolute_url(name: str, *args) -> str:
    return _url_template(name, len(args), settings.SITE_URL).format(*args)


@lru_cache(maxsize=64)
def _url_template(name: str, arity: int, site_url: str) -> str:
    """A URL with "{0}"… where its arguments go: a sweep links tens of thousands of tasks, and
    resolving each link with reverse() took a tenth of the sweep."""
    marks = [str(_MARK - i) for i in range(arity)]
    path = reverse(name, args=marks)
    for i, mark in enumerate(marks):
        path = path.replace(mark, f"{{{i}}}")
    return f"{site_url}{path}"


_MARK = 2_147_483_647  # an argument no real link has, to find where the arguments go


def mail_language(user: User) -> str:
    """The person's one language (the UI's after login too); Chinese when they never chose."""
    try:
        return user.preference.language or settings.LANGUAGE_CODE
    except UserPreference.DoesNotExist:
        return settings.LANGUAGE_CODE


@dataclass
class Item:
    title: str
    detail: str
    url: str

    @cached_property
    def text(self) -> str:
        """The item's lines in the text mail, composed once however many mails list it."""
        return f"- {self.title} ({self.detail})\n  {self.url}\n"

    @cached_property
    def html(self) -> SafeString:
        return format_html('<li><a href="{}">{}</a> — {}</li>', self.url, self.title, self.detail)


def items_text(items: list[Item]) -> str:
    """The items' lines in a text mail, joined here: a template loop over them cost the province's
    sweep a millisecond per mail (110,000 mails)."""
    return "".join(item.text for item in items)


def items_html(items: list[Item]) -> SafeString:
    return mark_safe("".join(item.html for item in items))  # each line is format_html's, escaped


@dataclass
class Section:
    heading: str
    items: list[Item]
    more: str = ""

    @property
    def text(self) -> str:
        return items_text(self.items)

    @property
    def html(self) -> SafeString:
        return items_html(self.items)


@dataclass
class Digest:
    heading: str
    summary: str
    url: str
    red: list[Item] = field(default_factory=list)
    red_heading: str = ""
    top: list[str] = field(default_factory=list)
    bottom: list[str] = field(default_factory=list)
    stale_heading: str = ""
    stale: list[str] = field(default_factory=list)
    calendar_note: str = ""

    @property
    def red_text(self) -> str:
        return "".join(f"- {item.title} ({item.detail}) {item.url}\n" for item in self.red)

    @property
    def red_html(self) -> SafeString:
        return items_html(self.red)


@dataclass
class UrgeNote:
    """A 催办: who urged which unit (or one of its tasks), with what note, listing which tasks."""

    unit: Unit
    task_id: int | None
    note: str
    by: User | None
    tasks: list[Task]


@dataclass
class MailParts:
    """A person's reminders of one batch: the tasks to list, and how many there are of each kind."""

    totals: dict[str, int] = field(default_factory=dict)
    due_soon: list[Task] = field(default_factory=list)
    overdue: list[Task] = field(default_factory=list)
    escalated: list[Task] = field(default_factory=list)
    urges: list[UrgeNote] = field(default_factory=list)
    unit_digests: list[UnitDigest] = field(default_factory=list)
    office_digests: list[OfficeDigest] = field(default_factory=list)


@dataclass
class RenderedMail:
    subject: str
    text: str
    html: str
    language: str


def _item(task: Task, today: date, *, with_unit: bool = True, memo: dict | None = None) -> Item:
    """One task's line; the same task in many people's mails (same language) is composed once."""
    key = (task.pk, translation.get_language(), with_unit)
    if memo is not None and key in memo:
        return memo[key]
    values: dict[str, Any] = {
        "unit": task.unit.name,
        "date": task.due_on.isoformat(),
        "days": (today - task.due_on).days,
    }
    if values["days"] > 0:
        late = (
            _("%(unit)s · due %(date)s · %(days)s day(s) late")
            if with_unit
            else _("due %(date)s · %(days)s day(s) late")
        )
        detail = late % values
    else:
        detail = (_("%(unit)s · due %(date)s") if with_unit else _("due %(date)s")) % values
    item = Item(title=task.display_title, detail=detail, url=absolute_url("work:task_detail", task.pk))
    if memo is not None:
        memo[key] = item
    return item


HEADINGS: dict[str, Callable[[], str]] = {
    Kind.ESCALATION: lambda: _("Escalated to you (督办): overdue for a week or more"),
    Kind.OVERDUE: lambda: _("Overdue"),
    Kind.DUE_SOON: lambda: _("Due soon"),
}


def _section(kind: str, tasks: list[Task], total: int, today: date, memo: dict | None) -> Section | None:
    if not tasks:
        return None
    more = total - len(tasks)
    return Section(
        heading=HEADINGS[kind](),
        items=[_item(t, today, memo=memo) for t in tasks],
        more=_("… and %(n)s more") % {"n": more} if more > 0 else "",
    )


def _summary(counts) -> str:
    return _("%(done)s of %(total)s tasks done (%(pct)s%%); %(red)s red, %(yellow)s yellow.") % {
        "done": counts.done,
        "total": counts.total,
        "pct": counts.percent_done,
        "red": counts.red,
        "yellow": counts.yellow,
    }


def _unit_digest(digest: UnitDigest, today: date) -> Digest:
    return Digest(
        heading=_("Weekly digest: %(unit)s") % {"unit": digest.unit.name},
        summary=_summary(digest.counts),
        url=absolute_url("work:unit_detail", digest.unit.pk),
        red=[_item(t, today, with_unit=False) for t in digest.red_tasks],
    )


def _office_digest(digest: OfficeDigest, today: date) -> Digest:
    def ranked(units):
        return [f"{unit.name} {unit.task_done}/{unit.task_total}" for unit in units]

    return Digest(
        heading=_("Weekly digest: %(unit)s") % {"unit": digest.unit.name},
        summary=_summary(digest.counts),
        url=absolute_url("home:unit_list"),
        red=[_item(t, today) for t in digest.red_tasks],
        red_heading=_("Red list (oldest first)") if digest.red_tasks else "",
        top=ranked(digest.top_units),
        bottom=ranked(digest.bottom_units),
        stale_heading=_("Units without an entry recently: %(n)s") % {"n": digest.stale_count}
        if digest.stale_count
        else "",
        stale=[
            _("%(unit)s (last entry %(date)s)") % {"unit": unit.name, "date": unit.last_entry_on.isoformat()}
            if unit.last_entry_on
            else _("%(unit)s (no entry yet)") % {"unit": unit.name}
            for unit in digest.stale_units
        ],
        calendar_note=_(
            "The holidays of %(years)s are not entered yet, so they count as working days for due dates and "
            "reminders. The city office enters them on the calendar page: %(url)s"
        )
        % {"years": "、".join(str(year) for year in digest.unknown_years), "url": absolute_url("holidays:calendar")}
        if digest.unknown_years
        else "",
    )


def _subject(parts: MailParts) -> str:
    bits = []
    if parts.urges:
        bits.append(_("urged by the office"))
    for kind, label in (
        (Kind.ESCALATION, lambda n: _("%(n)d escalated") % {"n": n}),
        (Kind.OVERDUE, lambda n: _("%(n)d overdue") % {"n": n}),
        (Kind.DUE_SOON, lambda n: _("%(n)d due soon") % {"n": n}),
    ):
        if parts.totals.get(kind):
            bits.append(label(parts.totals[kind]))
    if parts.unit_digests or parts.office_digests:
        bits.append(_("weekly digest"))
    return _("Campaign Tracker: %(summary)s") % {"summary": " · ".join(bits)}


def mail_render(
    *, user: User, parts: MailParts, today: date, display_name: Callable[[User], str], memo: dict | None = None
) -> RenderedMail:
    """Subject and bodies in the user's language; `memo` shares composed task lines across one batch's mails."""
    language = mail_language(user)
    with translation.override(language):
        sections = [
            section
            for kind, tasks in (
                (Kind.ESCALATION, parts.escalated),
                (Kind.OVERDUE, parts.overdue),
                (Kind.DUE_SOON, parts.due_soon),
            )
            if (section := _section(kind, tasks, parts.totals.get(kind, 0), today, memo)) is not None
        ]
        urges = [
            {
                "heading": _("Urged (催办): %(unit)s") % {"unit": urge.unit.name},
                "by": _("%(by)s urges you to act on the following.") % {"by": display_name(urge.by)} if urge.by else "",
                "note": urge.note,
                "url": absolute_url("work:task_detail", urge.task_id)
                if urge.task_id
                else absolute_url("work:unit_detail", urge.unit.pk),
                "items": (items := [_item(t, today, memo=memo) for t in urge.tasks[:SECTION_LIMIT]]),
                "items_text": items_text(items),
                "items_html": items_html(items),
            }
            for urge in parts.urges
        ]
        digests = [_unit_digest(d, today) for d in parts.unit_digests]
        digests += [_office_digest(d, today) for d in parts.office_digests]
        context = {
            "greeting": _("Dear %(name)s,") % {"name": display_name(user)},
            "urges": urges,
            "sections": sections,
            "digests": digests,
            "units_url": absolute_url("home:unit_list"),
            "preferences_url": absolute_url("reminders:preferences"),
            "site_url": settings.SITE_URL,
        }
        return RenderedMail(
            subject=_subject(parts)[:255],
            text=render_to_string("reminders/mail/reminder.txt", context),
            html=render_to_string("reminders/mail/reminder.html", context),
            language=language,
        )
