"""The first page after login tells each role what to do next."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from tests.conftest import login, rollups_current
from tests.factories import TaskFactory, make_unit, make_user
from tracker.directives import lines
from tracker.orgs.models import Role
from tracker.work import services
from tracker.work.instantiation import tasks_generate
from tracker.work.models import Task


def home(client, user) -> str:
    login(client, user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_staff_see_returned_overdue_and_ready_tasks_first(client, city):
    reading = Task.objects.get(unit=city.unit_a, template__code="reading")
    services.entry_add(task=reading, by=city.staff_a, text="学完", percent=100)
    html = home(client, city.staff_a)
    assert "你好，张三" in html and "UnitA" in html
    assert "已逾期" in html  # the plan template is overdue
    assert "进度已达 100% 但尚未提交" in html and "或请本单位主要负责同志提交" in html
    assert html.index("制定方案") < html.index("读书班")  # overdue before ready
    assert f'href="/units/{city.unit_a.pk}/"' in html
    assert "待审核" not in html.split("</header>")[1]  # staff review nothing

    reading.refresh_from_db()
    services.task_submit(task=reading, by=city.staff_a, expected_version=reading.version)
    reading.refresh_from_db()
    services.task_return(task=reading, by=city.office_city, expected_version=reading.version, reason="补材料")
    html = home(client, city.leader_a)
    assert "被审核人退回" in html
    assert html.index("读书班") < html.index("制定方案")  # returned comes first


def test_nothing_urgent_says_what_to_keep_doing(client, city):
    Task.objects.filter(unit=city.unit_a).update(status="done")
    assert "暂无紧急事项" in home(client, city.staff_a)


def test_reviewers_see_their_queue_and_area(client, city):
    assert "没有等待您审核的任务" in home(client, city.office_east)
    task = city.task_a()
    task = services.entry_add(task=task, by=city.staff_a, text="完成").task
    services.task_submit(task=task, by=city.staff_a, expected_version=task.version)
    for user in (city.office_city, city.guide):
        html = home(client, user)
        assert "1 项单位提交的任务等待您通过或退回" in html and 'href="/review/"' in html
    assert "导入单位和用户" in home(client, city.office_city)
    assert "导入单位和用户" not in home(client, city.guide)
    html = home(client, city.leadership)
    assert "本辖区" in html and "查看全部单位" in html and "待审核" not in html.split("</header>")[1]


def test_an_offices_review_count_from_the_rollups_is_its_queue(client, city):
    """An office's count is read from the roll-ups (its review scope is its read scope), a guide's
    counted live: both equal the review queue, which leaves out archived (read-only) tasks."""
    from tracker.rollups.services import rollups_mark
    from tracker.work.lights import LightRule
    from tracker.work.selectors import review_queue

    home(client, city.office_city)  # the roll-ups are built
    submitted = []
    for task in Task.objects.filter(unit=city.unit_a, campaign=city.campaign).order_by("pk")[:2]:
        task = services.entry_add(task=task, by=city.staff_a, text="完成").task
        submitted.append(services.task_submit(task=task, by=city.staff_a, expected_version=task.version))
    # The second one's action is retired: archived, read-only, no longer waiting for anyone.
    Task.objects.filter(pk=submitted[1].pk).update(archived_at=timezone.now())
    rollups_mark(campaign_id=city.campaign.pk, unit_ids=[city.unit_a.pk])
    rule = LightRule.for_campaign(city.campaign)
    for user in (city.office_city, city.guide):
        assert review_queue(user=user, campaign=city.campaign, rule=rule).count() == 1
        assert "1 项单位提交的任务等待您通过或退回" in home(client, user), user


def test_landing_query_count_does_not_grow(client, city, django_assert_num_queries):
    def count(user, expected):
        login(client, user)
        rollups_current(city)  # as the minute job would have
        with django_assert_num_queries(expected):
            assert client.get("/").status_code == 200

    # session, user, scope, campaign, then: units, counts, urgent tasks / roll-up freshness check,
    # area counts (from the roll-ups; the guide of one unit has none), review count (an office's
    # from those area counts, a guide's counted); then what
    # arrived (tracker.directives): for staff its units, 交办, 批示, answers, extension decisions,
    # problems, unread notices; for reviewers the pending extensions.
    count(city.staff_a, 14)
    count(city.office_city, 7)
    count(city.guide, 7)
    for i in range(3):
        unit = make_unit(f"More{i}", parent=city.east, category=city.unit_a.category)
        make_user(Role.STAFF, unit=unit)
    tasks_generate(campaign=city.campaign)
    for i in range(10):
        TaskFactory(
            campaign=city.campaign,
            unit=city.unit_a,
            measure=city.study,
            title=f"自选{i}",
            due_on=timezone.localdate() - timedelta(days=1),
        )
    count(city.staff_a, 14)
    count(city.office_city, 7)
    count(city.guide, 7)


def test_user_without_role_is_told_whom_to_ask(client, city):
    assert "请联系领导小组办公室分配角色" in home(client, make_user())


def test_the_leadership_group_sees_the_questions_addressed_to_it(client, city, django_assert_num_queries):
    html = home(client, city.leadership)
    assert "个问题或困难报请领导小组" not in html

    def raise_and_forward(subject):
        thread = lines.thread_open(
            unit=city.unit_a, by=city.staff_a, kind="question", addressee="office", subject=subject, text="请示。"
        )
        return lines.thread_forward(thread=thread, by=city.office_city, expected_version=thread.version)

    first = raise_and_forward("经费如何列支")
    lines.thread_open(unit=city.unit_a, by=city.staff_a, kind="question", addressee="office", subject="x", text="y")
    # session, user, scope, campaign, roll-up freshness check, area counts, the COUNT of threads
    with django_assert_num_queries(7):
        html = client.get("/").content.decode()
    assert "1 个问题或困难报请领导小组" in html
    link = reverse("directives:thread_list") + "?state=open&amp;to=leadership"
    assert link in html
    raise_and_forward("场地如何协调")
    with django_assert_num_queries(7):
        html = client.get("/").content.decode()
    assert "2 个问题或困难报请领导小组" in html
    lines.thread_close(thread=first, by=city.office_city)
    assert "1 个问题或困难报请领导小组" in home(client, city.leadership)
    listed = client.get(link.replace("&amp;", "&"))
    assert [t.subject for t in listed.context["page"]] == ["场地如何协调"]
    assert "领导小组" in listed.content.decode()
    # The office sees no such card: the threads wait for the leadership group, not for it.
    assert "报请领导小组" not in home(client, city.office_city)
