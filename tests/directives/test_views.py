"""The pages: issue → board → 签收 → reply → accept, notices, extensions (409), threads, 批示."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PDF_BYTES, login, table_counts
from tests.factories import make_unit
from tracker.directives import services
from tracker.directives.models import Assignment, AssignmentTarget, Instruction, NoticeRead, Thread
from tracker.directives.notifying import SENT
from tracker.work.models import Task, TaskStatus

pytestmark = pytest.mark.django_db


def _issue_form(city, **extra):
    data = {
        "title": "专项检查",
        "text": "请开展自查并报告。",
        "due_on": (timezone.localdate() + timedelta(days=7)).isoformat(),
        "measure": city.org.pk,
        "needs_reply": "on",
        "mode": "category",
        "category": city.unit_a.category_id,
        "files": [SimpleUploadedFile("plan.pdf", PDF_BYTES)],
    }
    return {**data, **extra}


def test_office_issues_to_a_category_and_the_board_fills(client, city, django_capture_on_commit_callbacks):
    login(client, city.office_city)
    response = client.post(reverse("directives:assignment_create"), _issue_form(city))
    assignment = Assignment.objects.get()
    assert response.status_code == 302 and response.url == reverse("directives:assignment_detail", args=[assignment.pk])
    assert set(assignment.targets.values_list("unit", flat=True)) == {city.unit_a.pk, city.unit_b.pk}
    target = assignment.targets.get(unit=city.unit_a)

    login(client, city.staff_a)
    assert client.get(reverse("home")).content.decode().count("专项检查") >= 1
    # The unit's own link to the 交办 sends it to its copy.
    assert client.get(reverse("directives:assignment_detail", args=[assignment.pk])).url == reverse(
        "directives:target_detail", args=[target.pk]
    )
    client.post(reverse("directives:target_acknowledge", args=[target.pk]))
    again = client.post(reverse("directives:target_acknowledge", args=[target.pk]), follow=True)
    assert "已经签收" in again.content.decode() or "already been acknowledged" in again.content.decode()
    task = Task.objects.get(pk=target.task_id)
    client.post(reverse("directives:target_reply", args=[target.pk]), {"text": "已完成自查。", "version": task.version})
    task.refresh_from_db()
    assert task.status == TaskStatus.SUBMITTED

    login(client, city.office_city)
    board = client.get(reverse("directives:assignment_detail", args=[assignment.pk]))
    assert board.context["board"].counts["replied"] == 1
    review = {"decision": "accept", "reason": "", "version": task.version}
    SENT.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("directives:target_review", args=[target.pk]), review)
    assert SENT[-1].kind == "assignment_review"
    assert set(SENT[-1].recipients) == {city.staff_a.pk, city.leader_a.pk}
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    board = client.get(reverse("directives:assignment_detail", args=[assignment.pk]))
    assert board.context["board"].counts["done"] == 1


def test_bad_issue_input_is_refused_in_chinese_and_writes_nothing(client, city):
    empty = make_unit("Empty area", parent=city.city, level="district", code="empty-area")
    login(client, city.office_city)
    before = table_counts()
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    page = client.post(reverse("directives:assignment_create"), _issue_form(city, due_on=yesterday))
    assert page.status_code == 422 and "不能早于今天" in page.content.decode()
    page = client.post(reverse("directives:assignment_create"), _issue_form(city, mode="area", area=empty.pk))
    assert page.status_code == 422
    bad = _issue_form(city, files=[SimpleUploadedFile("x.pdf", b"MZ not a pdf")])
    assert client.post(reverse("directives:assignment_create"), bad).status_code == 422
    assert table_counts() == before
    assert Assignment.objects.count() == 0 and Task.objects.filter(kind="assignment").count() == 0


@pytest.mark.parametrize("units", [2, 40])
def test_board_query_count_is_pinned(client, city, django_assert_num_queries, units):
    extra = [make_unit(f"U{i}", parent=city.east, category=city.unit_a.category, code=f"u-{i}") for i in range(units)]
    assignment = services.assignment_issue(
        by=city.office_city,
        campaign=city.campaign,
        measure=city.org,
        units=[city.unit_a, *extra],
        title="t",
        text="x",
        due_on=timezone.localdate() + timedelta(days=3),
    )
    login(client, city.office_city)
    url = reverse("directives:assignment_detail", args=[assignment.pk])
    client.get(url)
    # session, user, scope, assignment, counts, files, page count, page rows
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200


def test_notice_read_receipts(client, city):
    notice = services.notice_publish(by=city.office_city, root=city.city, title="关于开会的通知", body="周五开会。")
    login(client, city.staff_a)
    listing = client.get(reverse("directives:notice_list")).content.decode()
    assert "unread" in listing
    client.get(reverse("directives:notice_detail", args=[notice.pk]))
    client.get(reverse("directives:notice_detail", args=[notice.pk]))
    assert NoticeRead.objects.filter(notice=notice).count() == 1
    login(client, city.office_city)
    page = client.get(reverse("directives:notice_detail", args=[notice.pk]))
    receipts = page.context["receipts"]
    assert receipts.people_read == 1
    rows = {r.unit.name: (r.read, r.total, r.unread_names) for r in receipts.units}
    assert rows == {"UnitA": (1, 2, ["leader_a"]), "UnitB": (0, 1, ["staff_b"])}


def test_extension_approved_moves_the_due_date_and_a_second_decision_is_409(client, city):
    task = city.task_a()
    new_due = max(task.due_on, timezone.localdate()) + timedelta(days=5)
    login(client, city.staff_a)
    client.post(reverse("directives:extension_create", args=[task.pk]), {"new_due_on": new_due, "reason": "人手不足"})
    request = task.extension_requests.get()
    login(client, city.guide)
    url = reverse("directives:extension_decide", args=[request.pk])
    assert client.post(url, {"decision": "approve", "version": 1}).status_code == 302
    task.refresh_from_db()
    assert task.due_on == new_due
    login(client, city.office_city)
    before = table_counts()
    response = client.post(url, {"decision": "refuse", "note": "不同意", "version": 1})
    assert response.status_code == 409 and table_counts() == before


def test_question_answered_and_closed(client, city):
    login(client, city.staff_a)
    client.post(
        reverse("directives:thread_create", args=[city.unit_a.pk]),
        {"kind": "question", "addressee": "guide", "subject": "经费问题", "text": "如何列支？"},
    )
    thread = Thread.objects.get()
    login(client, city.staff_b)
    assert client.get(reverse("directives:thread_detail", args=[thread.pk])).status_code == 404
    login(client, city.guide)
    client.post(
        reverse("directives:thread_post", args=[thread.pk]), {"text": "按规定列支。", "version": thread.version}
    )
    thread.refresh_from_db()
    assert thread.state == "answered"
    login(client, city.staff_a)
    client.post(reverse("directives:thread_close", args=[thread.pk]))
    login(client, city.guide)
    before = table_counts()
    page = client.post(reverse("directives:thread_post", args=[thread.pk]), {"text": "再答", "version": 99})
    assert page.status_code in (409, 422) and table_counts() == before


def test_leader_instruction_acknowledged_by_staff(client, city):
    login(client, city.leadership)
    task = city.task_a()
    url = reverse("directives:instruction_create", args=[city.unit_a.pk])
    response = client.post(f"{url}?task={task.pk}", {"text": "抓紧落实。", "task": task.pk})
    assert response.status_code == 302
    instruction = Instruction.objects.get()
    assert instruction.task == task
    login(client, city.staff_a)
    client.post(reverse("directives:instruction_acknowledge", args=[instruction.pk]))
    instruction.refresh_from_db()
    assert instruction.acknowledged_by == city.staff_a
    assert AssignmentTarget.objects.count() == 0
