"""交办, notices, extensions, threads and 批示 through their services: who is told, what is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.conftest import PDF_BYTES, table_counts
from tests.factories import ledger_defaults
from tracker.core.concurrency import StaleVersion
from tracker.directives import lines, services
from tracker.directives.models import AssignmentTarget, ExtensionStatus, ThreadState
from tracker.directives.notifying import SENT
from tracker.directives.selectors import arrived, assignment_board
from tracker.ledgers.services import rectification_raise
from tracker.work.models import TaskKind, TaskStatus

pytestmark = pytest.mark.django_db


def pdf(name: str = "a.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES)


def issue(city, by=None, units=None, **kwargs):
    defaults = {
        "title": "迎检准备",
        "text": "请于月底前报送自查报告。",
        "due_on": timezone.localdate() + timedelta(days=10),
    }
    return services.assignment_issue(
        by=by or city.office_city,
        campaign=city.campaign,
        measure=city.org,
        units=units if units is not None else [city.unit_a, city.unit_b],
        **{**defaults, **kwargs},
    )


def test_assignment_makes_a_task_per_unit_and_tells_its_people(city, django_capture_on_commit_callbacks):
    SENT.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assignment = issue(city, files=[pdf()])
    targets = list(assignment.targets.select_related("task"))
    assert {t.unit for t in targets} == {city.unit_a, city.unit_b}
    assert all(t.task.kind == TaskKind.ASSIGNMENT and t.task.title == "迎检准备" for t in targets)
    assert assignment.files.count() == 1
    told = SENT[-1]
    assert told.kind == "assignment"
    assert set(told.recipients) == {city.staff_a.pk, city.leader_a.pk, city.staff_b.pk}


def test_the_full_path_acknowledge_reply_accept(city):
    assignment = issue(city, needs_evidence=True)
    target = assignment.targets.get(unit=city.unit_a)
    today = timezone.localdate()
    board = assignment_board(assignment=assignment, user=city.office_city, today=today)
    assert board.counts["unacknowledged"] == 2
    with pytest.raises(ValidationError):  # acknowledge first
        services.assignment_reply(target=target, by=city.staff_a, text="已完成", files=[pdf()], expected_version=None)
    services.assignment_acknowledge(target=target, by=city.staff_a)
    before = table_counts()
    with pytest.raises(ValidationError):
        services.assignment_acknowledge(target=target, by=city.leader_a)
    with pytest.raises(ValidationError):  # evidence needed
        services.assignment_reply(target=target, by=city.staff_a, text="已完成", expected_version=None)
    assert table_counts() == before
    task = services.assignment_reply(
        target=target, by=city.staff_a, text="已完成", files=[pdf()], expected_version=None
    )
    assert task.status == TaskStatus.SUBMITTED
    board = assignment_board(assignment=assignment, user=city.office_city, today=today)
    assert board.counts["replied"] == 1 and board.counts["unacknowledged"] == 1
    # The guide of unit A sees only unit A's row.
    assert assignment_board(assignment=assignment, user=city.guide, today=today).total == 1


def test_issuing_refuses_bad_input_and_writes_nothing(city):
    before = table_counts()
    yesterday = timezone.localdate() - timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        issue(city, due_on=yesterday)
    assert "due_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        issue(city, units=[])
    assert "units" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        issue(city, files=[SimpleUploadedFile("x.pdf", b"not a pdf")])
    assert "files" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        issue(city, by=city.guide)  # unit B is not the guide's
    with pytest.raises(PermissionDenied):
        issue(city, by=city.staff_a, units=[city.unit_a])
    assert table_counts() == before


def test_notice_receipts_and_urge(city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notice = services.notice_publish(by=city.office_city, root=city.city, title="通知", body="请阅。")
    assert services.notice_read(notice=notice, user=city.staff_a) is True
    assert services.notice_read(notice=notice, user=city.staff_a) is False
    told = services.notice_urge(notice=notice, by=city.office_city)
    assert told is not None and set(told.recipients) == {city.leader_a.pk, city.staff_b.pk}
    with pytest.raises(PermissionDenied):
        services.notice_publish(by=city.office_east, root=city.west, title="x", body="y")
    _units, unread = arrived(user=city.staff_b, recent_since=timezone.localdate())
    assert unread == [notice]


def test_extension_moves_the_due_date_and_a_second_decision_is_stale(city):
    task = city.task_a()
    new_due = task.due_on + timedelta(days=7)
    with pytest.raises(ValidationError):
        lines.extension_request(
            task=task, by=city.staff_a, new_due_on=timezone.localdate() - timedelta(days=1), reason="x"
        )
    request = lines.extension_request(task=task, by=city.staff_a, new_due_on=new_due, reason="人手不足")
    with pytest.raises(ValidationError):  # one pending request per task
        lines.extension_request(task=task, by=city.staff_a, new_due_on=new_due, reason="again")
    with pytest.raises(ValidationError):  # refusing needs a reason
        lines.extension_decide(request=request, by=city.guide, approve=False, expected_version=request.version)
    lines.extension_decide(request=request, by=city.guide, approve=True, expected_version=request.version)
    task.refresh_from_db()
    assert task.due_on == new_due
    assert task.history.first().history_change_reason
    before = table_counts()
    with pytest.raises(StaleVersion):
        lines.extension_decide(request=request, by=city.office_city, approve=False, note="不行", expected_version=1)
    assert table_counts() == before
    request.refresh_from_db()
    assert request.status == ExtensionStatus.APPROVED


def test_thread_answer_forward_close(city):
    thread = lines.thread_open(
        unit=city.unit_a, by=city.staff_a, kind="question", addressee="guide", subject="经费", text="如何列支？"
    )
    with pytest.raises(PermissionDenied):
        lines.thread_post(thread=thread, by=city.staff_b, text="x")
    thread = lines.thread_post(thread=thread, by=city.guide, text="按规定列支。", files=[pdf()])
    assert thread.state == ThreadState.ANSWERED
    thread = lines.thread_forward(thread=thread, by=city.guide)
    assert thread.addressee == "office"
    thread = lines.thread_forward(thread=thread, by=city.office_city)
    assert thread.addressee == "leadership"
    thread = lines.thread_close(thread=thread, by=city.staff_a)
    before = table_counts()
    with pytest.raises(ValidationError):
        lines.thread_post(thread=thread, by=city.guide, text="再答")
    assert table_counts() == before


def test_instruction_by_a_leader_acknowledged_by_the_unit(city):
    with pytest.raises(PermissionDenied):
        lines.instruction_write(unit=city.unit_a, by=city.office_city, text="x")
    instruction = lines.instruction_write(unit=city.unit_a, by=city.leadership, text="抓紧落实。", task=city.task_a())
    units, _unread = arrived(user=city.staff_a, recent_since=timezone.localdate())
    assert units[0].instructions == [instruction]
    lines.instruction_acknowledge(instruction=instruction, by=city.staff_a)
    with pytest.raises(ValidationError):
        lines.instruction_acknowledge(instruction=instruction, by=city.leader_a)
    with pytest.raises(ValidationError):
        lines.instruction_write(unit=city.unit_a, by=city.leadership, text="x", task=city.task_b())
    problem = rectification_raise(
        campaign=city.campaign, unit=city.unit_a, by=city.guide, data=ledger_defaults("rectification")
    )
    on_problem = lines.instruction_write(unit=city.unit_a, by=city.leadership, text="限期整改。", problem=problem)
    units, _unread = arrived(user=city.staff_a, recent_since=timezone.localdate())
    assert units[0].problems == [problem] and on_problem in units[0].instructions


def test_urge_tells_only_the_units_behind(city):
    assignment = issue(city)
    services.assignment_acknowledge(target=assignment.targets.get(unit=city.unit_a), by=city.staff_a)
    told = services.assignment_urge(assignment=assignment, by=city.office_city)
    assert told is not None and set(told.recipients) == {city.staff_b.pk}
    assert AssignmentTarget.objects.filter(acknowledged_at__isnull=True).count() == 1
