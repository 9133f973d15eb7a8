"""Writes of people and planned research: the roster import, attendance from the roster, the
leader responsible for a task, and planned visits (register, suggest another date, record)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from tracker.campaigns.models import Campaign, Ledger
from tracker.core.concurrency import check_version
from tracker.core.history import stamp_change
from tracker.core.types import User
from tracker.ledgers.models import ResearchVisit, StudySession
from tracker.ledgers.services import ledger_row_create, ledger_row_update
from tracker.ledgers.text import normalise_key
from tracker.orgs.access import require
from tracker.orgs.models import Unit
from tracker.orgs.scope import scope_for
from tracker.people.models import PlannedVisit, PlanStatus, RosterMember, TaskLeader, UnitMembership
from tracker.people.selectors import NearbyPlan, plan_crowding
from tracker.work.models import Task


class PlanCrowded(Exception):
    """Others plan or visited the site within the window; the plan is kept only when confirmed with a reason."""

    def __init__(self, nearby: list[NearbyPlan], *, reason_missing: bool = False):
        super().__init__("crowded research site")
        self.nearby = nearby
        self.reason_missing = reason_missing


# ------------------------------------------------------------------------------ roster


@dataclass(frozen=True)
class RosterLine:
    """One row of a roster sheet, as read; `line` is its row number in the file."""

    line: int
    unit_code: str
    name: str
    post: str
    is_leader: bool


def roster_import(*, by: User, lines: Sequence[RosterLine]) -> dict[int, int]:
    """Replace the rosters of the units named in the file, all or nothing.

    Refused with every problem listed by row: a unit not found in the user's scope or not theirs
    to change, a name twice for one unit, a person listed for two units in the file, or a person
    already on another unit's roster. Returns how many people each unit now has on its roster.
    """
    scope = scope_for(by)
    codes = {line.unit_code for line in lines}
    units = {unit.code: unit for unit in Unit.objects.for_user(by).filter(code__in=codes)}
    errors: list[str] = []
    seen: dict[str, tuple[str, int]] = {}
    per_unit: dict[int, list[RosterLine]] = {}
    for line in lines:
        unit = units.get(line.unit_code)
        key = normalise_key(line.name)
        if unit is None:
            errors.append(
                _("Row %(line)d: no unit with code “%(code)s” in your scope.") % _at(line, code=line.unit_code)
            )
            continue
        if not (scope.can_edit(unit) or scope.can_manage(unit)):
            errors.append(_("Row %(line)d: you cannot change the roster of %(unit)s.") % _at(line, unit=unit.name))
            continue
        if not key:
            errors.append(_("Row %(line)d: the name is missing.") % _at(line))
            continue
        if key in seen:
            other_code, other_line = seen[key]
            if other_code == line.unit_code:
                message = _("Row %(line)d: %(name)s is listed twice for this unit (also row %(other)d).")
            else:
                message = _("Row %(line)d: %(name)s is also listed for another unit (row %(other)d).")
            errors.append(message % _at(line, name=line.name, other=other_line))
            continue
        seen[key] = (line.unit_code, line.line)
        per_unit.setdefault(unit.pk, []).append(line)
    elsewhere = (
        RosterMember.objects.filter(name_key__in=list(seen)).exclude(unit_id__in=list(per_unit)).select_related("unit")
    )
    for member in elsewhere:
        _code, line_no = seen[member.name_key]
        errors.append(
            _("Row %(line)d: %(name)s is already on the roster of %(unit)s; remove them there first.")
            % {"line": line_no, "name": member.name, "unit": member.unit.name}
        )
    if not lines:
        errors.append(_("The file has no roster rows."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _replace_rosters(per_unit, by)
    return {unit_id: len(unit_lines) for unit_id, unit_lines in per_unit.items()}


def _replace_rosters(per_unit: dict[int, list[RosterLine]], by: User) -> None:
    """Each unit's roster becomes the file's: people already on it are updated in place (their task
    links stay), new people added, people no longer listed removed; every change keeps its history."""
    existing = {(m.unit_id, m.name_key): m for m in RosterMember.objects.filter(unit_id__in=list(per_unit))}
    kept: list[RosterMember] = []
    added: list[RosterMember] = []
    for unit_id, unit_lines in per_unit.items():
        for index, line in enumerate(unit_lines):
            key = normalise_key(line.name)[:50]
            member = existing.pop((unit_id, key), None) or RosterMember(unit_id=unit_id, name_key=key)
            member.name, member.post, member.is_leader, member.order = (
                line.name.strip(),
                line.post.strip(),
                line.is_leader,
                index,
            )
            (kept if member.pk else added).append(member)
    for gone in existing.values():
        stamp_change(gone, by=by, reason="roster import")
        gone.delete()
    bulk_update_with_history(kept, RosterMember, ["name", "post", "is_leader", "order"], default_user=by)
    bulk_create_with_history(added, RosterMember, default_user=by)


def _at(line: RosterLine, **more: Any) -> dict[str, Any]:
    return {"line": line.line, **more}


@transaction.atomic
def membership_set(*, unit: Unit, by: User, party_members: int) -> UnitMembership:
    """How many Party members the unit has; never fewer than it names on its roster."""
    require(by, unit, "edit")
    named = RosterMember.objects.filter(unit=unit, is_leader=False).count()
    if party_members < named:
        raise ValidationError({"party_members": _("The roster already names %(n)d Party members.") % {"n": named}})
    membership, _created = UnitMembership.objects.update_or_create(unit=unit, defaults={"party_members": party_members})
    return membership


def study_attendance_record(
    *, session: StudySession, by: User, present: Sequence[int], speakers: Sequence[int], expected_version: int
) -> StudySession:
    """应到/实到 from the roster: the expected are the leadership team (or everyone named, for other
    kinds of session); the attendees and speakers are the members ticked."""
    roster = list(RosterMember.objects.filter(unit_id=session.unit_id))
    if not roster:
        raise ValidationError(_("The unit has no roster yet. Import it first."))
    by_id = {member.pk: member for member in roster}
    if any(pk not in by_id for pk in [*present, *speakers]):
        raise ValidationError(_("Tick only people on the unit's roster."))
    leaders_only = session.kind in ("central_group", "reading_class")
    expected = [m for m in roster if m.is_leader or not leaders_only]
    if not present:
        raise ValidationError(_("Tick who attended."))
    names = [by_id[pk].name for pk in present]
    talks = [by_id[pk].name for pk in speakers if pk in present]
    data = {
        "expected": max(len(expected), len(names)),
        "attendance": len(names),
        "attendees": "、".join(names),
        "speakers": "、".join(talks),
    }
    return ledger_row_update(row=session, by=by, data=data, expected_version=expected_version)


@transaction.atomic
def task_leader_set(*, task: Task, by: User, leader: RosterMember | None) -> TaskLeader | None:
    """Name the leader responsible for a task besides its owner (一岗双责), or clear it."""
    require(by, task.unit, "edit")
    if leader is None:
        TaskLeader.objects.filter(task=task).delete()
        return None
    if leader.unit_id != task.unit_id or not leader.is_leader:
        raise ValidationError({"leader": _("Choose a member of the unit's own leadership team.")})
    link, _created = TaskLeader.objects.update_or_create(task=task, defaults={"leader": leader})
    return link


# ------------------------------------------------------------------------------ planned visits


@transaction.atomic
def planned_visit_create(
    *,
    unit: Unit,
    campaign: Campaign,
    by: User,
    site: str,
    planned_on: date,
    leader_name: str,
    purpose: str = "",
    confirm_crowding: bool = False,
    crowding_reason: str = "",
) -> PlannedVisit:
    """Register a visit before it happens; a site others plan or visited within the window warns,
    naming them, and the plan is kept only when confirmed with a reason."""
    require(by, unit, "edit")
    plan = PlannedVisit(
        unit=unit,
        campaign=campaign,
        site=site.strip(),
        planned_on=planned_on,
        leader_name=leader_name.strip(),
        purpose=purpose.strip(),
        created_by=by,
    )
    plan.full_clean()
    if not plan.site_key:
        raise ValidationError({"site": _("Name the site in words.")})
    nearby = plan_crowding(plan=plan, user=by)
    reason = crowding_reason.strip()
    if nearby and not (confirm_crowding and reason):
        raise PlanCrowded(nearby, reason_missing=confirm_crowding)
    plan.crowding_reason = reason[:500] if nearby else ""
    stamp_change(plan, by=by, reason="planned")
    plan.save()
    return plan


def _locked(plan: PlannedVisit, expected_version: int) -> PlannedVisit:
    locked = PlannedVisit.objects.select_for_update().select_related("unit", "campaign").get(pk=plan.pk)
    check_version(locked, expected_version)
    if locked.status != PlanStatus.PLANNED:
        raise ValidationError(_("This plan is no longer open."))
    return locked


@transaction.atomic
def planned_visit_suggest(
    *, plan: PlannedVisit, by: User, suggested_on: date, note: str, expected_version: int
) -> PlannedVisit:
    """The office or guidance group suggests another date (the unit decides and re-plans)."""
    require(by, plan.unit, "review")
    locked = _locked(plan, expected_version)
    if suggested_on == locked.planned_on:
        raise ValidationError({"suggested_on": _("Suggest a date other than the planned one.")})
    locked.suggested_on = suggested_on
    locked.suggestion_note = note.strip()[:300]
    locked.version += 1
    stamp_change(locked, by=by, reason="another date suggested")
    locked.save()
    return locked


@transaction.atomic
def planned_visit_cancel(*, plan: PlannedVisit, by: User, expected_version: int) -> PlannedVisit:
    require(by, plan.unit, "edit")
    locked = _locked(plan, expected_version)
    locked.status = PlanStatus.CANCELLED
    locked.version += 1
    stamp_change(locked, by=by, reason="cancelled")
    locked.save()
    return locked


@transaction.atomic
def planned_visit_record(
    *, plan: PlannedVisit, by: User, visited_on: date, findings: str, expected_version: int
) -> ResearchVisit:
    """The plan becomes the research-ledger visit after it happened, without retyping site and leader.

    Crowding was weighed when planning; the reason given then (or the plan itself) is kept on the visit.
    """
    require(by, plan.unit, "edit")
    locked = _locked(plan, expected_version)
    reason = locked.crowding_reason or _("Registered in advance as a planned visit on %(day)s.") % {
        "day": f"{locked.created_at:%Y-%m-%d}"
    }
    visit = ledger_row_create(
        ledger=Ledger.VISITS,
        campaign=locked.campaign,
        unit=locked.unit,
        by=by,
        data={
            "site": locked.site,
            "visited_on": visited_on,
            "leader_name": locked.leader_name,
            "findings": findings,
        },
        confirm_crowding=True,
        crowding_reason=reason,
    )
    assert isinstance(visit, ResearchVisit)
    locked.visit = visit
    locked.status = PlanStatus.DONE
    locked.version += 1
    stamp_change(locked, by=by, reason="visit recorded")
    locked.save()
    return visit
