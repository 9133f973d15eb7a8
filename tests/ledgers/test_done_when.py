"""The ledgers end to end, step by step, on the demo city with the demo accounts.

staff records two study sessions, a research visit that triggers the crowding warning (东城区教育局
visited the site last week), a problem fixed at once and one with two staged targets; guide raises
a problem on the unit, verifies the first close-out and returns the second; office sees the crowded
site and downloads the unit's ledger book, whose sheets show exactly those rows.
"""

from datetime import timedelta
from io import BytesIO

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.conftest import PDF_BYTES
from tracker.demo.builder import CROWDED_SITE
from tracker.ledgers.models import RectificationItem, ResearchVisit, StudySession
from tracker.orgs.models import Unit
from tracker.work.models import Task

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def demo(demo_city, db):
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["staff", "guide", "office"])}
    return users, Unit.objects.get(code="dongcheng-cpc-office")


def as_user(client, user):
    client.force_login(user)
    return client


def pdf(name):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def create(client, unit, ledger, data, **extra):
    return client.post(reverse("ledgers:row_create", args=[unit.pk, ledger]), data, **HX, **extra)


def test_done_when(client, demo):
    users, unit = demo
    today = timezone.localdate()
    day = lambda n: (today - timedelta(days=n)).isoformat()  # noqa: E731

    # --- staff: two study sessions --------------------------------------------------------------
    as_user(client, users["staff"])
    central = Task.objects.get(
        unit=unit, template__code="study-central-group-monthly", period_starts_on__lte=today, period_ends_on__gte=today
    )
    entries_before = central.entry_count
    for topic, kind in (("学习党的二十大报告", "central_group"), ("读书班第一讲", "reading_class")):
        data = {
            "kind": kind,
            "mode": "offline",
            "topic": topic,
            "held_on": day(0),
            "hours": "3",
            "attendees": "王振华、张晓敏",
        }
        response = create(client, unit, "study", data)
        assert response.status_code == 200 and "HX-Redirect" in response, response.content.decode()[:500]
    assert StudySession.objects.filter(unit=unit).count() == 2
    central.refresh_from_db()
    if central.is_open:  # the demo may have closed this month's task already; an open one advances
        assert central.progress == 100 and central.entry_count == entries_before + 1

    # --- staff: a visit to the site 东城区教育局 visited last week ---------------------------------
    visit = {"site": f" {CROWDED_SITE}", "visited_on": day(1), "leader_name": "王振华", "participants": "办公室2人"}
    response = create(client, unit, "visits", visit)
    html = response.content.decode()
    assert response.status_code == 422 and "扎堆调研提示" in html and 'name="confirm_crowding"' in html
    assert (today - timedelta(days=5)).strftime("%Y") in html
    assert not ResearchVisit.objects.filter(unit=unit).exists()
    response = create(
        client, unit, "visits", {**visit, "confirm_crowding": "on", "crowding_reason": "与教育局调研事项不同"}
    )
    assert response.status_code == 200 and "HX-Redirect" in response

    # --- staff: a problem fixed at once, asked for close-out with evidence --------------------
    problem = {
        "problem": "文件材料报送层层加码",
        "source": "opinions",
        "category": "style",
        "measures": "统一报送口径，取消重复报表",
        "responsible_leader": "王振华",
        "kind": "immediate",
        "deadline": (today + timedelta(days=10)).isoformat(),
    }
    assert create(client, unit, "rectification", problem).status_code == 200
    first = RectificationItem.objects.get(unit=unit, kind="immediate")
    response = client.post(
        reverse("ledgers:close_request", args=[first.pk]),
        {"version": first.version, "note": "已取消3张重复报表", "files": [pdf("通知.pdf")]},
        **HX,
    )
    assert response.status_code == 200

    # --- staff: a long-term problem with two staged targets -----------------------------------
    long_term = {
        **problem,
        "problem": "基层办事流程繁琐",
        "kind": "long_term",
        "deadline": (today + timedelta(100)).isoformat(),
    }
    assert create(client, unit, "rectification", long_term).status_code == 200
    second = RectificationItem.objects.get(unit=unit, kind="long_term")
    for title, days in (("梳理办事事项清单", 0), ("上线一网通办", 30)):
        due = (today + timedelta(days=days)).isoformat()
        assert (
            client.post(
                reverse("ledgers:milestone_add", args=[second.pk]), {"title": title, "due_on": due}, **HX
            ).status_code
            == 200
        )
    for milestone in second.milestones.all():
        assert client.post(reverse("ledgers:milestone_reach", args=[milestone.pk]), **HX).status_code == 200
    second.refresh_from_db()
    response = client.post(
        reverse("ledgers:close_request", args=[second.pk]),
        {"version": second.version, "note": "两个阶段目标均已完成", "files": [pdf("清单.pdf")]},
        **HX,
    )
    assert response.status_code == 200
    assert set(RectificationItem.objects.filter(unit=unit).values_list("status", flat=True)) == {"requested"}

    # --- guide: raises a problem, verifies the first close-out, returns the second ------------
    as_user(client, users["guide"])
    raised = {k: v for k, v in problem.items() if k not in ("source", "responsible_leader")}
    raised["problem"] = "调研计划未报办公室统筹"
    response = client.post(reverse("ledgers:rectification_raise", args=[unit.pk]), raised)
    assert response.status_code == 302
    third = RectificationItem.objects.get(unit=unit, problem="调研计划未报办公室统筹")
    assert (third.source, third.raised_by) == ("guidance", users["guide"])
    first.refresh_from_db()
    second.refresh_from_db()
    review = reverse("ledgers:close_review", args=[first.pk])
    assert client.post(review, {"version": first.version, "decision": "verify"}, **HX).status_code == 200
    review = reverse("ledgers:close_review", args=[second.pk])
    data = {"version": second.version, "decision": "return", "reason": "一网通办尚未覆盖全部事项"}
    assert client.post(review, data, **HX).status_code == 200
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.closed_by, second.status) == ("closed", users["guide"], "returned")
    immediate = Task.objects.get(unit=unit, template__code="rectification-immediate")
    if immediate.is_open:
        assert immediate.progress == 100  # "fix urgent problems at once" counts closed immediate items

    # staff sees why the second was returned
    as_user(client, users["staff"])
    assert "一网通办尚未覆盖全部事项" in client.get(second.get_absolute_url()).content.decode()

    # --- office: the crowded site, and the unit's ledger book ----------------------------------
    as_user(client, users["office"])
    html = client.get(reverse("ledgers:crowding")).content.decode()
    assert CROWDED_SITE in html and "东城区委办公室" in html and "东城区教育局" in html
    response = client.get(reverse("ledgers:book_export", args=[unit.pk]))
    assert response.status_code == 200
    book = load_workbook(BytesIO(b"".join(response.streaming_content)))

    def data_rows(title):
        return list(book[title].iter_rows(min_row=3, values_only=True))

    study = data_rows("学习记录")
    assert sorted(row[4] for row in study) == ["学习党的二十大报告", "读书班第一讲"]
    assert all(row[1].date() == today and row[6] == 2 for row in study)
    (visit_row,) = data_rows("调研走访")
    assert visit_row[2] == CROWDED_SITE and visit_row[8] == "是"  # saved despite the warning
    rectification = {row[1]: row for row in data_rows("问题整改清单")}
    assert set(rectification) == {"文件材料报送层层加码", "基层办事流程繁琐", "调研计划未报办公室统筹"}
    assert rectification["文件材料报送层层加码"][9] == "已销号"
    assert rectification["文件材料报送层层加码"][10].date() == today
    assert rectification["基层办事流程繁琐"][9] == "已退回"
    assert (
        "梳理办事事项清单" in rectification["基层办事流程繁琐"][8]
        and "上线一网通办" in rectification["基层办事流程繁琐"][8]
    )
    assert rectification["调研计划未报办公室统筹"][2] == "巡回指导组反馈"
    for title in ("调研课题", "调研报告", "调研成果转化运用清单", "为民办实事清单", "制度清单"):
        assert data_rows(title) == [], title
