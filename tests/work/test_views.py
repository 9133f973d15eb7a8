"""The unit workflow through Django's test client, htmx fragments included."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import login, rollups_current
from tests.factories import TaskFactory, make_unit, make_user
from tracker.orgs.models import Role
from tracker.work import services
from tracker.work.instantiation import tasks_generate
from tracker.work.models import Entry, Task

HX = {"HTTP_HX_REQUEST": "true"}


def entry_post(client, task, *, files=(), **data):
    payload = {"text": "召开专题学习会", "occurred_on": timezone.localdate().isoformat(), "percent": "50", **data}
    if files:
        payload["files"] = list(files)
    return client.post(reverse("work:task_entry_add", args=[task.pk]), payload, **HX)


def test_unit_page_groups_tasks_by_measure(client, city):
    login(client, city.staff_a)
    response = client.get(reverse("work:unit_detail", args=[city.unit_a.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and 'id="task-list"' in html
    assert html.index("理论学习") < html.index("组织实施")  # measures in their order
    assert "读书班" in html and "制定方案" in html
    assert html.count('class="task-row"') == 2


def test_unit_page_filters_render_the_fragment_for_htmx(client, city):
    login(client, city.staff_a)
    url = reverse("work:unit_detail", args=[city.unit_a.pk])
    response = client.get(url, {"overdue": "1"}, **HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and html.strip().startswith('<div id="task-list">')
    assert "制定方案" in html and "读书班" not in html  # only the overdue one
    html = client.get(url, {"measure": "study"}, **HX).content.decode()
    assert "读书班" in html and "制定方案" not in html
    html = client.get(url, {"status": "done"}, **HX).content.decode()
    assert 'class="task-row"' not in html and 'class="empty"' in html


def test_staff_adds_an_entry_with_a_file_and_sees_it_at_once(client, city, pdf):
    login(client, city.staff_a)
    task = city.task_a()
    response = entry_post(client, task, files=[pdf("签到表.pdf")])
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and html.strip().startswith('<div id="task-body">')
    assert "召开专题学习会" in html and "签到表.pdf" in html
    task.refresh_from_db()
    assert (task.entry_count, task.progress, task.status) == (1, 50, "in_progress")


def test_entry_form_offers_todays_date_to_the_native_picker(client, city):
    login(client, city.staff_a)
    html = client.get(reverse("work:task_detail", args=[city.task_a().pk])).content.decode()
    assert f'type="date" name="occurred_on" value="{timezone.localdate().isoformat()}"' in html


def test_entry_without_htmx_redirects_back_to_the_task(client, city):
    login(client, city.staff_a)
    task = city.task_a()
    response = client.post(
        reverse("work:task_entry_add", args=[task.pk]), {"text": "x", "occurred_on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 302 and response.url == reverse("work:task_detail", args=[task.pk])


def test_bad_entry_gets_422_with_errors_and_writes_nothing(client, city, pdf):
    login(client, city.staff_a)
    task = city.task_a()
    response = entry_post(client, task, text="", percent="140", files=[pdf("virus.exe")])
    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="task-body"' in html and "field-error" in html
    assert not Entry.objects.exists()
    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    response = entry_post(client, task, occurred_on=future)
    assert response.status_code == 422 and "日期不能晚于今天" in response.content.decode()


def test_script_in_text_is_rendered_inert(client, city):
    login(client, city.staff_a)
    task = city.task_a()
    entry_post(client, task, text="<script>alert(1)</script>")
    html = client.get(reverse("work:task_detail", args=[task.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_office_returns_a_task_and_staff_sees_why(client, city):
    task = city.task_a()
    seen = services.entry_add(task=task, by=city.staff_a, text="完成").task.version
    login(client, city.staff_a)
    response = client.post(reverse("work:task_submit", args=[task.pk]), {"version": seen, "note": "请审核"}, **HX)
    assert response.status_code == 200 and "待审核" in response.content.decode()

    login(client, city.office_city)
    queue = client.get(reverse("work:review_queue")).content.decode()
    assert reverse("work:task_detail", args=[task.pk]) in queue
    page = client.get(reverse("work:task_detail", args=[task.pk])).content.decode()
    assert reverse("work:task_review", args=[task.pk]) in page
    response = client.post(
        reverse("work:task_review", args=[task.pk]),
        {"version": seen + 1, "decision": "return", "reason": "缺少会议纪要"},
        **HX,
    )
    assert response.status_code == 200

    login(client, city.staff_a)
    page = client.get(reverse("work:task_detail", args=[task.pk])).content.decode()
    assert "审核退回" in page and "缺少会议纪要" in page
    task.refresh_from_db()
    assert task.status == "returned"


def test_return_without_reason_is_refused(client, city):
    task = city.task_a()
    task = services.entry_add(task=task, by=city.staff_a, text="完成").task
    task = services.task_submit(task=task, by=city.staff_a, expected_version=task.version)
    login(client, city.guide)
    response = client.post(
        reverse("work:task_review", args=[task.pk]), {"version": task.version, "decision": "return"}, **HX
    )
    assert response.status_code == 422
    task.refresh_from_db()
    assert task.status == "submitted"


def test_stale_page_gets_409_showing_the_newer_change(client, city):
    task = city.task_a()
    login(client, city.leader_a)
    client.post(reverse("work:task_owner", args=[task.pk]), {"version": 1, "owner": city.leader_a.pk}, **HX)
    login(client, city.staff_a)
    response = client.post(reverse("work:task_owner", args=[task.pk]), {"version": 1, "owner": city.staff_a.pk}, **HX)
    assert response.status_code == 409
    assert "leader_a" in response.content.decode()
    task.refresh_from_db()
    assert task.owner == city.leader_a


def test_owner_must_belong_to_the_unit(client, city):
    login(client, city.staff_a)
    task = city.task_a()
    response = client.post(reverse("work:task_owner", args=[task.pk]), {"version": 1, "owner": city.staff_b.pk}, **HX)
    assert response.status_code == 422
    task.refresh_from_db()
    assert task.owner is None


def test_self_chosen_task_form(client, city):
    login(client, city.staff_a)
    url = reverse("work:unit_task_create", args=[city.unit_a.pk])
    assert client.get(url).status_code == 200
    due = city.campaign.ends_on + timedelta(days=5)
    response = client.post(url, {"measure": city.study.pk, "title": "志愿服务", "due_on": due.isoformat()})
    assert response.status_code == 422 and not Task.objects.filter(title="志愿服务").exists()
    response = client.post(url, {"measure": city.study.pk, "title": "志愿服务", "due_on": city.campaign.ends_on})
    task = Task.objects.get(title="志愿服务")
    assert response.url == reverse("work:task_detail", args=[task.pk])
    assert task.unit == city.unit_a and task.template is None


def test_evidence_is_a_permission_checked_download(client, city, pdf):
    entry = services.entry_add(task=city.task_a(), by=city.staff_a, text="x", files=[pdf("纪要.pdf")])
    evidence = entry.evidence.get()
    url = reverse("work:evidence_download", args=[evidence.pk])
    for user in (city.staff_a, city.office_city, city.guide, city.leadership):
        login(client, user)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    for user in (city.staff_b, make_user(Role.OFFICE, unit=city.west)):
        login(client, user)
        assert client.get(url).status_code == 404
    login(client, city.staff_a)
    assert client.get("/media/" + evidence.file.name).status_code == 404  # no public media route
    assert client.get("/" + evidence.file.name).status_code == 404


def test_language_switch(client, city):
    login(client, city.staff_a)
    url = reverse("work:unit_detail", args=[city.unit_a.pk])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert "退出登录" in html  # Chinese stays the default whatever the browser says
    client.post(reverse("set_language"), {"language": "en", "next": url})
    html = client.get(url).content.decode()
    assert "Log out" in html and "Theory study" in html and "Reading class" in html
    client.post(reverse("set_language"), {"language": "zh-hans", "next": url})
    assert "退出登录" in client.get(url).content.decode()


def test_guide_and_office_review_queue_is_scoped(client, city):
    for task in (city.task_a(), city.task_b()):
        staff = city.staff_a if task.unit == city.unit_a else city.staff_b
        task = services.entry_add(task=task, by=staff, text="完成").task
        services.task_submit(task=task, by=staff, expected_version=task.version)
    for user, expected in [(city.guide, 1), (city.office_east, 1), (city.office_city, 2), (city.leadership, 0)]:
        login(client, user)
        html = client.get(reverse("work:review_queue")).content.decode()
        assert html.count('class="task-row"') == expected, user


def test_unit_list_search_and_fragment(client, city):
    login(client, city.office_city)
    html = client.get(reverse("home:unit_list")).content.decode()
    assert "UnitA" in html and "UnitB" in html
    response = client.get(reverse("home:unit_list"), {"q": "UnitB"}, **HX)
    html = response.content.decode()
    assert html.strip().startswith('<div id="results">') and "UnitB" in html and "UnitA" not in html
    login(client, city.office_east)
    html = client.get(reverse("home:unit_list")).content.decode()
    assert "UnitA" in html and "UnitB" not in html


# --- query counts: constant as the data grows -------------------------------------------------


def grow(city, extra_units: int, tasks_per_unit: int, entries_per_task: int = 2):
    for i in range(extra_units):
        make_unit(f"Extra{i}", code=f"extra-{extra_units}-{i}", parent=city.east, category=city.unit_a.category)
    tasks_generate(campaign=city.campaign)
    tasks = [
        TaskFactory(campaign=city.campaign, unit=city.unit_a, measure=city.org, owner=city.staff_a)
        for _ in range(tasks_per_unit)
    ]
    task = tasks[-1]
    for _ in range(entries_per_task):
        task = services.entry_add(task=task, by=city.staff_a, text="x").task
    services.task_submit(task=task, by=city.staff_a, expected_version=task.version)
    return task


UNIT_PAGE_QUERIES = 7  # session, user, scope, unit, campaign, tasks (counted as read), measures
UNIT_PAGE_FILTERED_QUERIES = 8  # and the counts of every task, when the list is filtered
UNIT_LIST_QUERIES = 7  # session, user, scope, campaign, roll-up freshness, count, page
REVIEW_QUEUE_QUERIES = 9  # session, user, scope, campaign, count, page of tasks, units waiting, areas, measures
TASK_PAGE_QUERIES = 8  # session, user, scope, campaign, task, entries, evidence, events (submitted: no forms)
TASK_HISTORY_QUERIES = 7  # session, user, scope, campaign, task, task history, entry history


@pytest.mark.parametrize(
    "name,user,expected",
    [
        ("unit", "staff_a", UNIT_PAGE_QUERIES),
        ("unit_filtered", "staff_a", UNIT_PAGE_FILTERED_QUERIES),
        ("unit_list", "office_city", UNIT_LIST_QUERIES),
        ("review", "office_city", REVIEW_QUEUE_QUERIES),
        ("task", "staff_a", TASK_PAGE_QUERIES),
        ("task_history", "staff_a", TASK_HISTORY_QUERIES),
    ],
)
def test_query_counts_are_pinned_and_do_not_grow(client, city, django_assert_num_queries, name, user, expected):
    def url(task):
        return {
            "unit": reverse("work:unit_detail", args=[city.unit_a.pk]),
            "unit_filtered": reverse("work:unit_detail", args=[city.unit_a.pk]) + "?status=todo",
            "unit_list": reverse("home:unit_list"),
            "review": reverse("work:review_queue"),
            "task": reverse("work:task_detail", args=[task.pk]),
            "task_history": reverse("work:task_history", args=[task.pk]),
        }[name]

    login(client, getattr(city, user))
    small = url(grow(city, extra_units=1, tasks_per_unit=1, entries_per_task=1))
    rollups_current(city)  # the unit list reads the roll-ups (and folds in pending changes first)
    with django_assert_num_queries(expected):
        assert client.get(small).status_code == 200
    large = url(grow(city, extra_units=30, tasks_per_unit=25, entries_per_task=10))
    rollups_current(city)
    with django_assert_num_queries(expected):
        assert client.get(large).status_code == 200


def test_unit_page_htmx_fragment_queries(client, city, django_assert_num_queries):
    login(client, city.staff_a)
    grow(city, extra_units=0, tasks_per_unit=20)
    with django_assert_num_queries(6):  # session, user, scope, unit, campaign, tasks
        client.get(reverse("work:unit_detail", args=[city.unit_a.pk]), {"measure": "organisation"}, **HX)


def test_unit_list_paginates(client, city):
    for i in range(55):
        make_unit(f"Many{i:02d}", code=f"many-{i}", parent=city.west, category=city.unit_a.category)
    login(client, city.office_city)
    first = client.get(reverse("home:unit_list")).content.decode()
    second = client.get(reverse("home:unit_list"), {"page": 2}).content.decode()
    assert first.count("<tr class=") == 50 and second.count("<tr class=") == 10
    assert "page=2" in first and "page=1" in second


def test_unit_page_counts_every_task_whether_the_list_is_filtered_or_not(client, city):
    """Unfiltered, the page counts the tasks it lists (no second query); filtered, it counts them
    all in SQL: the numbers at the top are the same either way."""
    import re

    grow(city, extra_units=0, tasks_per_unit=12, entries_per_task=1)
    login(client, city.staff_a)
    url = reverse("work:unit_detail", args=[city.unit_a.pk])

    def counts(html: str) -> str:
        match = re.search(r'<section class="cards".*?</section>', html, re.S)
        assert match, "no counts on the page"
        return match.group(0)

    whole = client.get(url).content.decode()
    for query in ({"status": "todo"}, {"overdue": "1"}, {"measure": "organisation"}):
        assert counts(client.get(url, query).content.decode()) == counts(whole)
