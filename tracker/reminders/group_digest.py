"""Weekly digests for guidance-group members and leadership-group members, through notify().

On the campaign's digest day (`ladder.digest_week`), alongside the unit leaders' and offices'
digest mails:

- a guidance-group member (指导组成员) gets their units' red and yellow lists and how many
  submissions wait for their review;
- a leadership-group member (领导小组成员) gets their scope's counts, red tasks and ranking,
  read exactly as the office's digest reads them (`digest.office_digest`).

One notification item per person, campaign and week (`notify()`'s unique key); people who
switched digests off are skipped. Counts and lights come from `LightRule.tally`, as on the
dashboards, so the digest and the screen agree.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import Q
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from tracker.campaigns.models import Campaign
from tracker.notify.models import Item
from tracker.notify.services import Note, notify_each
from tracker.orgs.models import Role, RoleAssignment, Unit
from tracker.reminders.digest import OfficeDigest, office_digests
from tracker.reminders.ladder import People, digest_week
from tracker.reminders.models import Kind
from tracker.rollups.services import rollups_refresh
from tracker.work.lights import Light, LightRule
from tracker.work.selectors import TaskCounts

NAMES_LISTED = 10
TASKS_LISTED = 5


def _lines(lines: list[str | Promise]) -> Promise:
    """Lines joined lazily: each recipient's copy is rendered in their own language by notify()."""
    return format_lazy("\n".join(["{}"] * len(lines)), *lines)


def _names(names: list[str]) -> str:
    shown = "、".join(names[:NAMES_LISTED])
    return shown + ("…" if len(names) > NAMES_LISTED else "")


def _recipients(people: People, role: Role) -> dict[int, list[int]]:
    """Who holds `role` among the people the sweep reaches (digests on): user id → unit ids."""
    if role == Role.GUIDE:
        rows = RoleAssignment.objects.filter(role=role, guidance_group__units__isnull=False).values_list(
            "user_id", "guidance_group__units"
        )
    else:
        rows = RoleAssignment.objects.filter(role=role).values_list("user_id", "unit_id")
    found: dict[int, list[int]] = defaultdict(list)
    for user_id, unit_id in rows.order_by("user_id", "unit_id"):
        if user_id in people.reachable and user_id not in people.no_digest:
            found[user_id].append(unit_id)
    return found


def _notified(campaign: Campaign, week: date, who: str) -> set[tuple[int, str]]:
    """(recipient, key) of this week's digests already notified: a re-run computes nothing for them."""
    return set(
        Item.objects.filter(kind=Kind.DIGEST, step=week.isoformat(), key__startswith=f"c{campaign.pk}:digest:{who}")
        .order_by()
        .values_list("recipient_id", "key")
    )


def guide_digests_notify(*, campaign: Campaign, rule: LightRule, week: date, people: People) -> int:
    """Each guidance-group member's units: red and yellow lists, submissions waiting for review."""
    key = f"c{campaign.pk}:digest:guide"
    done = _notified(campaign, week, "guide")
    guides = {uid: ids for uid, ids in _recipients(people, Role.GUIDE).items() if (uid, key) not in done}
    if not guides:
        return 0
    unit_ids = {uid for ids in guides.values() for uid in ids}
    counted = (
        Unit.objects.filter(pk__in=unit_ids, participates=True)
        .annotate(**rule.tally("tasks__", Q(tasks__campaign=campaign)))
        .order_by("path")
    )
    units = {unit.pk: (unit.name, TaskCounts.from_row(unit)) for unit in counted}
    review_url, home_url = reverse("work:review_queue"), reverse("home")
    notes = []
    for user_id, ids in guides.items():
        mine = [units[uid] for uid in ids if uid in units]
        red = [name for name, counts in mine if counts.light == Light.RED]
        yellow = [name for name, counts in mine if counts.light == Light.YELLOW]
        waiting = sum(counts.submitted for _name, counts in mine)
        lines: list[str | Promise] = [
            format_lazy(_("Red units ({n}): {names}"), n=len(red), names=_names(red) or "—"),
            format_lazy(_("Yellow units ({n}): {names}"), n=len(yellow), names=_names(yellow) or "—"),
            format_lazy(_("Submissions waiting for your review: {n}"), n=waiting),
        ]
        notes.append(
            Note(
                recipient=user_id,
                kind=Kind.DIGEST,
                key=key,
                step=week.isoformat(),
                subject=format_lazy(
                    _("Weekly digest of your {n} unit(s): {red} red, {yellow} yellow"),
                    n=len(mine),
                    red=len(red),
                    yellow=len(yellow),
                ),
                body=_lines(lines),
                url=review_url if waiting else home_url,
            )
        )
    return len(notify_each(notes).created)


def _leadership_body(digest: OfficeDigest) -> Promise:
    counts = digest.counts
    lines: list[str | Promise] = [
        format_lazy(
            _("{unit}: {done} of {total} tasks done ({percent}%), {red} red, {yellow} yellow."),
            unit=digest.unit.name,
            done=counts.done,
            total=counts.total,
            percent=counts.percent_done,
            red=counts.red,
            yellow=counts.yellow,
        )
    ]
    if digest.red_tasks:
        red = [f"{task.unit.name} · {task.display_title} ({task.due_on})" for task in digest.red_tasks[:TASKS_LISTED]]
        lines.append(format_lazy(_("Red tasks: {tasks}"), tasks="；".join(red)))
    lines.append(format_lazy(_("Ranking, best: {names}"), names=_names([u.name for u in digest.top_units]) or "—"))
    lines.append(format_lazy(_("Ranking, lowest: {names}"), names=_names([u.name for u in digest.bottom_units]) or "—"))
    return _lines(lines)


def _leadership_key(campaign: Campaign, unit_id: int) -> str:
    return f"c{campaign.pk}:digest:leadership:{unit_id}"


def leadership_digests_notify(*, campaign: Campaign, rule: LightRule, week: date, people: People) -> int:
    """Each leadership-group member's scope: counts, red tasks and ranking (the office digest's reading)."""
    members = _recipients(people, Role.LEADERSHIP)
    if not members:
        return 0
    # Stale units are read from the roll-ups, as on the dashboard and in the office's digest mail.
    rollups_refresh(campaign=campaign, rule=rule)
    done = _notified(campaign, week, "leadership")
    units = Unit.objects.in_bulk({uid for ids in members.values() for uid in ids})
    wanted = sorted(
        {
            uid
            for user_id, ids in members.items()
            for uid in ids
            if (user_id, _leadership_key(campaign, uid)) not in done
        }
    )
    digests = office_digests(campaign=campaign, rule=rule, units=[units[uid] for uid in wanted])
    overview_url = reverse("dashboards:overview")
    notes = []
    for user_id, ids in members.items():
        for unit in (units[uid] for uid in ids):
            key = _leadership_key(campaign, unit.pk)
            if (user_id, key) in done:
                continue
            digest = digests[unit.pk]
            notes.append(
                Note(
                    recipient=user_id,
                    kind=Kind.DIGEST,
                    key=key,
                    step=week.isoformat(),
                    subject=format_lazy(
                        _("Weekly digest of {unit}: {red} red task(s)"), unit=unit.name, red=digest.counts.red
                    ),
                    body=_leadership_body(digest),
                    url=overview_url,
                )
            )
    return len(notify_each(notes).created)


def group_digests_notify(*, campaign: Campaign, today: date, people: People) -> int:
    """The guidance groups' and leadership members' digests due today in this campaign."""
    week = digest_week(campaign, today)
    if week is None:
        return 0
    rule = LightRule.for_campaign(campaign, today)
    return guide_digests_notify(campaign=campaign, rule=rule, week=week, people=people) + leadership_digests_notify(
        campaign=campaign, rule=rule, week=week, people=people
    )
