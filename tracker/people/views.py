"""Pages of rosters and leaders: a unit's roster and its import, attendance from the roster, the
leader responsible for a task, a page per leader and the leadership's participation table."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tracker.campaigns.selectors import current_campaign_or_404
from tracker.core.concurrency import CONFLICT_STATUS, StaleVersion
from tracker.core.forms import attach_errors
from tracker.core.types import AuthedRequest
from tracker.ledgers.access import access_ledger_row
from tracker.ledgers.models import StudySession
from tracker.ledgers.registry import LEDGERS
from tracker.orgs.access import access_unit
from tracker.orgs.scope import scope_for
from tracker.people import selectors, services
from tracker.people.access import access_member
from tracker.people.forms import AttendanceForm, MembershipForm, RosterImportForm, TaskLeaderForm
from tracker.people.importer import read_roster
from tracker.people.models import TaskLeader, UnitMembership
from tracker.work.access import access_task


@require_GET
@login_required
def roster(request: AuthedRequest, pk: int) -> HttpResponse:
    """A unit's leadership team and Party members, and who on the team has not yet given a talk."""
    unit = access_unit(request.user, pk)
    campaign = current_campaign_or_404()
    membership = UnitMembership.objects.filter(unit=unit).first()
    context = {
        "unit": unit,
        "members": selectors.unit_roster(unit=unit),
        "party_members": membership.party_members if membership else 0,
        "silent": selectors.leaders_who_did_not_speak(unit=unit, campaign=campaign),
        "can_edit": scope_for(request.user).can_edit(unit),
        "membership_form": MembershipForm(initial={"party_members": membership.party_members if membership else 0}),
    }
    return render(request, "people/roster.html", context)


@require_POST
@login_required
def membership(request: AuthedRequest, pk: int) -> HttpResponse:
    unit = access_unit(request.user, pk, "edit")
    form = MembershipForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(list(form.errors["party_members"]))
        services.membership_set(unit=unit, by=request.user, party_members=form.cleaned_data["party_members"])
        messages.success(request, _("The number of Party members is saved."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("people:roster", unit.pk)


def _may_import(request: AuthedRequest) -> None:
    scope = scope_for(request.user)
    if not (scope.manages_units or scope.edit_unit_ids):
        raise PermissionDenied(_("Only the office or a unit's own staff can import rosters."))


@require_http_methods(["GET", "POST"])
@login_required
def roster_import(request: AuthedRequest) -> HttpResponse:
    """Upload rosters from Excel: every row checked, nothing written unless all rows are right."""
    _may_import(request)
    form = RosterImportForm(request.POST or None, request.FILES or None)
    counts: dict[int, int] | None = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                lines = read_roster(form.cleaned_data["file"])
                counts = services.roster_import(by=request.user, lines=lines)
            except ValidationError as exc:
                attach_errors(form, exc)
        if form.errors:
            status = 422
    return render(request, "people/roster_import.html", {"form": form, "counts": counts}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def study_attendance(request: AuthedRequest, pk: int) -> HttpResponse:
    """Tick who attended and who spoke from the roster: 应到, 实到 and 参学率 follow."""
    session = access_ledger_row(request.user, LEDGERS["study"], pk, "edit")
    assert isinstance(session, StudySession)
    roster = selectors.unit_roster(unit=session.unit)
    form = AttendanceForm(request.POST or None, roster=roster, initial={"version": session.version})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.study_attendance_record(
                session=session,
                by=request.user,
                present=[m.pk for m in form.cleaned_data["present"]],
                speakers=[m.pk for m in form.cleaned_data["speakers"]],
                expected_version=form.cleaned_data["version"],
            )
        except StaleVersion:
            form.add_error(None, _("Someone changed this session after you opened it. Reload the page."))
            status = CONFLICT_STATUS
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Attendance recorded from the roster."))
            return redirect(session.get_absolute_url())
    if form.errors and status == 200:
        status = 422
    return render(request, "people/attendance.html", {"session": session, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def task_leader(request: AuthedRequest, pk: int) -> HttpResponse:
    """Name the leader responsible for a task besides its owner (一岗双责)."""
    task = access_task(request.user, pk, "edit")
    leaders = selectors.unit_roster(unit=task.unit).filter(is_leader=True)
    current = TaskLeader.objects.filter(task=task).values_list("leader_id", flat=True).first()
    form = TaskLeaderForm(request.POST or None, leaders=leaders, initial={"leader": current})
    if request.method == "POST" and form.is_valid():
        try:
            services.task_leader_set(task=task, by=request.user, leader=form.cleaned_data["leader"])
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("The responsible leader is saved."))
            return redirect("work:task_detail", task.pk)
    status = 422 if form.errors else 200
    return render(request, "people/task_leader.html", {"task": task, "form": form}, status=status)


@require_GET
@login_required
def leader(request: AuthedRequest, pk: int) -> HttpResponse:
    """A leader's own record: visits led, sessions attended and talks, topics, tasks, 批示."""
    member = access_member(request.user, pk)
    if not member.is_leader:
        raise Http404
    campaign = current_campaign_or_404()
    (record,) = selectors.leader_records(members=[member], campaign=campaign, viewer=request.user)
    return render(request, "people/leader.html", {"record": record, "member": member})


@require_GET
@login_required
def participation(request: AuthedRequest) -> HttpResponse:
    """The leadership's participation table: one row per leader in scope, for the office and leaders."""
    if not scope_for(request.user).sees_dashboards:
        raise Http404
    campaign = current_campaign_or_404()
    members = list(selectors.leaders_in_scope(user=request.user)[: selectors.PARTICIPATION_SHOWN])
    records = selectors.leader_records(members=members, campaign=campaign, viewer=request.user)
    return render(request, "people/participation.html", {"records": records})
