"""Dashboard pages and exports through the test client: same numbers everywhere, scoped, pinned queries."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.conftest import grow_city, login, rollups_current, waiting_for_review
from tests.factories import TaskFactory, make_unit, make_user
from tracker.orgs.models import GuidanceGroup, Role, UnitCategory
from tracker.work import services
from tracker.work.instantiation import tasks_generate
from tracker.work.models import Task

HX = {"HTTP_HX_REQUEST": "true"}
OVERVIEW = reverse("dashboards:overview")
MATRIX = reverse("dashboards:matrix")
MATRIX_XLSX = reverse("dashboards:matrix_export")
LEDGER_XLSX = reverse("dashboards:ledger_export")


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def rows_of(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def some_progress(city):
    """Unit A: one task done, one overdue; unit B: one entry."""
    task = city.task_a()
    task = services.entry_add(task=task, by=city.staff_a, text="学习").task
    task = services.task_submit(task=task, by=city.staff_a, expected_version=task.version)
    services.task_accept(task=task, by=city.office_city, expected_version=task.version)
    services.entry_add(task=city.task_b(), by=city.staff_b, text="x")


def test_landing_page_offers_the_dashboard_to_the_roles_that_have_it(client, city):
    for user in (city.office_city, city.leadership, city.guide):
        login(client, user)
        html = client.get("/").content.decode()
        assert f'<a href="{OVERVIEW}">' in html, user  # in the header
        if user != city.guide:  # and next to "your area", shown to those who see many units
            assert f'class="btn primary" href="{OVERVIEW}"' in html, user
    login(client, city.staff_a)
    assert OVERVIEW not in client.get("/").content.decode()


def test_nav_shows_the_dashboard_link_only_to_dashboard_roles(client, city):
    login(client, city.leader_a)
    assert f'href="{OVERVIEW}"' in client.get(reverse("work:unit_detail", args=[city.unit_a.pk])).content.decode()
    login(client, city.staff_a)
    assert f'href="{OVERVIEW}"' not in client.get(reverse("work:unit_detail", args=[city.unit_a.pk])).content.decode()


def test_links_follow_the_scope_s_abilities(client, city):
    """The briefing button, the crowding link and the outbox link show where the page would open."""
    briefing, crowding, outbox = reverse("briefings:start"), reverse("ledgers:crowding"), reverse("reminders:outbox")
    for user, expected in (
        (city.office_east, {briefing, crowding, outbox}),
        (city.leadership, {briefing, crowding}),
        (city.guide, {crowding}),
        (city.leader_a, set()),
    ):
        login(client, user)
        html = client.get(OVERVIEW).content.decode() + client.get(reverse("reminders:preferences")).content.decode()
        assert {url for url in (briefing, crowding, outbox) if f'href="{url}' in html} == expected, user


@pytest.mark.parametrize("url", [OVERVIEW, MATRIX, MATRIX_XLSX, LEDGER_XLSX])
def test_staff_get_404_on_every_dashboard_url(client, city, url):
    login(client, city.staff_a)
    assert client.get(url).status_code == 404


def test_overview_shows_clock_lights_measures_and_lists(client, city):
    some_progress(city)
    login(client, city.office_city)
    response = client.get(OVERVIEW)
    assert response.status_code == 200
    o = response.context["o"]
    assert (o.counts.total, o.counts.done, o.counts.red) == (4, 1, 2)
    assert o.counts.percent_done == 25 and o.counts.light == "red"
    assert o.units_by_light == {"red": 2, "yellow": 0, "green": 0}
    assert o.clock.day == 61 and o.clock.total_days == 121 and o.clock.days_left == 60
    assert [m.code for m in o.measures] == ["study", "organisation"]
    assert [a.unit.name for a in o.areas.areas] == ["East", "West"]
    assert o.trend[-1].day == timezone.localdate() and o.trend[-1].percent == 25
    assert o.stale_count == 0 and o.waiting_count == 0
    html = response.content.decode()
    # Every chart has its numbers as a table, and its data as JSON rather than as script.
    for chart in ("chart-trend", "chart-activity", "chart-measures"):
        assert f'<script id="{chart}" type="application/json">' in html
    assert 'id="trend-table"' in html and 'id="measure-table"' in html
    assert "vendor/chartjs-4.6.1/chart.umd.js" in html and "tracker/charts.js" in html
    assert not re.search(r"<script>(?!</script>)", html)  # no inline script
    assert "组织实施" in html and "按区域" in html


def test_guide_sees_their_groups_units_like_the_office_sees_the_city(client, city):
    some_progress(city)
    login(client, city.guide)
    o = client.get(OVERVIEW).context["o"]
    assert o.counts.total == Task.objects.filter(unit=city.unit_a).count()
    assert o.scope_names == ["Group 1"] and o.areas.areas == [] and o.areas.count == 0
    page = client.get(MATRIX)
    assert [unit.pk for unit, _cells in page.context["rows"]] == [city.unit_a.pk]
    assert "UnitB" not in page.content.decode()
    ledger = rows_of(workbook(client.get(LEDGER_XLSX)))
    assert {row[0] for row in ledger[1:]} == {"UnitA"}


def test_unit_leader_sees_their_unit_summary_with_the_same_cards(client, city):
    some_progress(city)
    login(client, city.leader_a)
    summary = client.get(OVERVIEW)
    unit_page = client.get(reverse("work:unit_detail", args=[city.unit_a.pk]))
    assert summary.context["o"].counts == unit_page.context["counts"]
    cards = re.compile(r'<section class="cards".*?</section>', re.S)
    assert cards.search(summary.content.decode()).group() == cards.search(unit_page.content.decode()).group()


def test_one_unit_agrees_on_overview_matrix_unit_list_unit_page_and_export(client, city):
    """The same unit's light and numbers, wherever they are shown."""
    some_progress(city)
    TaskFactory(campaign=city.campaign, unit=city.unit_a, measure=city.study, due_on=timezone.localdate())
    login(client, city.office_east)  # East's only child is unit A: its area row is unit A
    area = client.get(OVERVIEW).context["o"].areas.areas[0]
    assert area.unit == city.unit_a
    matrix_unit, cells = client.get(MATRIX).context["rows"][0]
    listed = next(u for u in client.get(reverse("home:unit_list")).context["page"] if u.pk == city.unit_a.pk)
    page = client.get(reverse("work:unit_detail", args=[city.unit_a.pk])).context["counts"]
    exported = rows_of(workbook(client.get(MATRIX_XLSX)))[1]
    numbers = {
        "overview": (area.counts.light, area.counts.percent_done, area.counts.done, area.counts.total, area.counts.red),
        "matrix": (
            matrix_unit.task_light,
            matrix_unit.task_percent,
            matrix_unit.task_done,
            matrix_unit.task_total,
            matrix_unit.task_red,
        ),
        "unit list": (listed.task_light, listed.task_percent, listed.task_done, listed.task_total, listed.task_red),
        "unit page": (page.light, page.percent_done, page.done, page.total, page.red),
        "export": ("red" if exported[4] == "红灯" else exported[4], round(exported[5] * 100), *exported[6:9]),
    }
    assert len(set(numbers.values())) == 1, numbers
    assert numbers["unit page"] == ("red", 33, 1, 3, 1)
    # And a measure's cell agrees with the unit page filtered to that measure.
    study = next(c for c in cells if c.measure == city.study)
    filtered = client.get(reverse("work:unit_detail", args=[city.unit_a.pk]), {"measure": "study"})
    assert study.counts.total == sum(len(g.tasks) for g in filtered.context["groups"])


def test_matrix_sorts_ranks_filters_and_links(client, city):
    make_unit("School1", parent=city.west, category=UnitCategory.objects.get(code="school"))
    tasks_generate(campaign=city.campaign)
    some_progress(city)
    login(client, city.office_city)
    page = client.get(MATRIX)
    assert [u.name for u, _ in page.context["rows"]] == ["UnitA", "UnitB", "School1"]
    assert [u.rank for u, _ in page.context["rows"]] == [1, 2, 2]  # B and School1 both 0 %
    html = page.content.decode()
    unit_url = reverse("work:unit_detail", args=[city.unit_a.pk])
    assert f'href="{unit_url}"' in html and f'href="{unit_url}?measure=study"' in html
    assert html.count("aria-sort=") == 1 and 'aria-sort="ascending"><a href="?sort=-rank">' in html  # by rank
    by_name = client.get(MATRIX, {"sort": "-unit"})
    assert [u.name for u, _ in by_name.context["rows"]] == ["School1", "UnitB", "UnitA"]
    assert 'aria-sort="descending"' in by_name.content.decode()
    assert client.get(MATRIX, {"sort": "-m-study"}).status_code == 200
    school = client.get(MATRIX, {"category": "school"}, **HX)
    fragment = school.content.decode()
    assert fragment.strip().startswith('<div id="matrix">') and "<html" not in fragment
    assert [u.name for u, _ in school.context["rows"]] == ["School1"]
    assert [u.rank for u, _ in school.context["rows"]] == [1]
    assert f'href="{MATRIX_XLSX}?category=school"' in fragment
    west = client.get(MATRIX, {"under": city.west.pk, "light": "red"})
    assert [u.name for u, _ in west.context["rows"]] == ["UnitB", "School1"]


def test_matrix_paginates_with_filters_kept(client, city):
    grow_city(city, 60)
    login(client, city.office_city)
    first = client.get(MATRIX, {"sort": "unit"})
    assert len(first.context["rows"]) == 50
    html = first.content.decode()
    assert "sort=unit&amp;page=2" in html and 'hx-boost="true"' in html
    second = client.get(MATRIX, {"sort": "unit", "page": 2}, **HX)
    assert len(second.context["rows"]) == 12  # 62 units with tasks
    assert "sort=unit&amp;page=1" in second.content.decode()


def test_matrix_export_holds_the_filtered_rows_and_numbers(client, city):
    """Office filters the matrix to one category, exports it; the workbook holds the same rows."""
    grow_city(city, 12)
    make_unit("School1", parent=city.west, category=UnitCategory.objects.get(code="school"))
    tasks_generate(campaign=city.campaign)
    some_progress(city)
    login(client, city.office_city)
    query = {"category": "organ", "sort": "-percent"}
    page = client.get(MATRIX, query)
    sheet = workbook(client.get(MATRIX_XLSX, query))
    rows = rows_of(sheet)
    measures = page.context["measures"]
    assert rows[0][:6] == ["排名", "单位", "上级单位", "类别", "灯色", "完成率"]
    assert rows[0][10] == f"{measures[0].name} · 完成率"
    body = rows[1:]
    shown = page.context["rows"]
    assert len(body) == page.context["page"].paginator.count == 14 and len(shown) == 14
    assert "School1" not in {row[1] for row in body}
    labels = {"red": "红灯", "yellow": "黄灯", "green": "绿灯"}
    for row, (unit, cells) in zip(body, shown, strict=True):
        assert row[:5] == [unit.rank, unit.name, unit.parent.name, unit.category.name, labels[unit.task_light]]
        assert round(row[5] * 100) == unit.task_percent
        assert row[6:10] == [unit.task_done, unit.task_total, unit.task_red, unit.task_yellow]
        for i, cell in enumerate(cells):
            value, light = row[10 + 2 * i], row[11 + 2 * i]
            if cell.counts.total:
                assert round(value * 100) == cell.counts.percent_done and light == labels[cell.counts.light]
            else:
                assert value is None and light is None
    assert sheet.cell(row=2, column=6).number_format == "0%"


def test_ledger_export_lists_every_task_with_real_types(client, city):
    some_progress(city)
    login(client, city.office_city)
    sheet = workbook(client.get(LEDGER_XLSX))
    rows = rows_of(sheet)
    assert rows[0] == [
        "单位",
        "重点措施",
        "任务",
        "自选动作",
        "责任人",
        "截止日期",
        "状态",
        "灯色",
        "进度",
        "最近记录",
        "记录数",
    ]
    assert len(rows) - 1 == Task.objects.count()
    done = city.task_a()
    row = next(r for r in rows[1:] if r[0] == "UnitA" and r[6] == "已完成")
    assert row[1] == done.measure.name_zh and row[2] == done.template.title_zh
    assert isinstance(row[5], datetime) and row[5].date() == done.due_on  # a real Excel date
    assert isinstance(row[9], datetime) and row[9].date() == timezone.localdate()
    assert row[8] == 1 and row[10] == 1 and row[7] == "绿灯"
    due_cell = next(c for c in sheet.iter_rows(min_row=2, max_row=2) for c in c if c.column == 6)
    assert due_cell.number_format == "yyyy-mm-dd" and due_cell.is_date
    never = next(r for r in rows[1:] if r[0] == "UnitB" and r[10] == 0)
    assert never[9] is None


def test_export_headers_follow_the_user_language(client, city):
    login(client, city.office_city)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    rows = rows_of(workbook(client.get(LEDGER_XLSX)))
    assert rows[0][:3] == ["Unit", "Measure", "Task"]


# --- query counts: constant as the scope grows from 5 to ~500 units ---------------------------

# Every dashboard page starts with one roll-up freshness check (tracker.rollups.services.rollups_refresh).
# Overview: session, user, scope (+ guide's groups), campaign, roll-ups, the scope's tally (counts,
# units by light, waiting and stale counts), measures, areas (one page, with how many there are),
# trend, stale list, waiting list (each only when the tally counts any), overdue rectifications
# (2), scope names. The unit leader's unit is never quiet here: no stale list.
OVERVIEW_QUERIES = {"office_city": 14, "guide": 14, "leader_a": 12}  # no areas for the last two
# session, user, scope (+ groups), campaign, roll-ups, measures, count (the scope's roll-up rows, or
# the rows when filtered), page, its ranks (rank_page), its cells, categories, areas, one for the
# extensions granted to the page's units (tracker.directives) and two for the page's assessment
# scores (their parameters, one grouped query: tracker.scoring).
MATRIX_QUERIES = {"office_city": 15, "guide": 16, "leader_a": 15}
MATRIX_HTMX_QUERIES = {"office_city": 13, "guide": 14, "leader_a": 13}  # no filter options
# session, user, scope, campaign, roll-ups, measures, rows
# Exports: one more for the row count that decides between the file at once and a background job.
MATRIX_EXPORT_QUERIES = {"office_city": 8, "guide": 9, "leader_a": 8}
LEDGER_EXPORT_QUERIES = {
    "office_city": 7,
    "guide": 8,
    "leader_a": 7,
}  # session, user, scope, campaign, roll-ups, count, rows


def big_scopes(city, units: int):
    """Grow the city and give the guide half the new units and the unit leader many tasks."""
    new = grow_city(city, units)
    GuidanceGroup.objects.get(name="Group 1").units.add(*new[: units // 2])
    for i in range(units // 10):
        TaskFactory(campaign=city.campaign, unit=city.unit_a, measure=city.study, status=["todo", "done"][i % 2])


def unit_a_light(city) -> str:
    from tracker.work.lights import LightRule

    rule = LightRule.for_campaign(city.campaign)
    return Task.objects.filter(unit=city.unit_a, campaign=city.campaign).aggregate(**rule.tally())["task_light"]


@pytest.mark.parametrize("user", ["office_city", "guide", "leader_a"])
def test_dashboard_query_counts_do_not_grow(client, city, django_assert_num_queries, user):
    some_progress(city)
    # Both of the overview's lists have rows, so both are read: a submission waiting too long and,
    # for the office and the guide, a unit that never logged anything.
    waiting_for_review(city)
    quiet = make_unit("Quiet", code="quiet", parent=city.east, category=city.unit_a.category)
    tasks_generate(campaign=city.campaign, units=[quiet])
    GuidanceGroup.objects.get(name="Group 1").units.add(quiet)
    login(client, getattr(city, user))
    pages = [
        (OVERVIEW, {}, {}, OVERVIEW_QUERIES),
        (MATRIX, {"sort": "-m-study"}, {}, MATRIX_QUERIES),
        (MATRIX, {"category": "organ", "page": "1"}, HX, MATRIX_HTMX_QUERIES),
        (MATRIX_XLSX, {"sort": "percent"}, {}, MATRIX_EXPORT_QUERIES),
        (LEDGER_XLSX, {}, {}, LEDGER_EXPORT_QUERIES),
    ]
    # Filter by the light unit A has, so the filtered page is never empty (an empty page skips a query).
    pages[2][1]["light"] = unit_a_light(city)
    small = Task.objects.values("unit").distinct().count()
    # Counted with the roll-ups up to date (the minute job's work); folding changes in costs a
    # fixed number more (tests/rollups).
    rollups_current(city)
    for url, params, headers, expected in pages:
        with django_assert_num_queries(expected[user]):
            assert client.get(url, params, **headers).status_code == 200
    big_scopes(city, 500)
    assert Task.objects.values("unit").distinct().count() >= small + 500
    pages[2][1]["light"] = unit_a_light(city)
    rollups_current(city)
    for url, params, headers, expected in pages:
        with django_assert_num_queries(expected[user]):
            response = client.get(url, params, **headers)
            assert response.status_code == 200
            if url == MATRIX and not headers and user != "leader_a":
                assert len(response.context["rows"]) == 50


def test_trend_and_lists_on_the_overview_use_real_dates(client, city):
    """A submission that waits a week shows up; a unit quiet since the start is stale."""
    task = city.task_a()
    task = services.entry_add(
        task=task, by=city.staff_a, text="x", occurred_on=timezone.localdate() - timedelta(days=2)
    ).task
    services.task_submit(task=task, by=city.staff_a, expected_version=task.version)
    task.events.filter(kind="submitted").update(created_at=timezone.now() - timedelta(days=8))
    Task.objects.filter(pk=task.pk).update(submitted_at=timezone.now() - timedelta(days=8))
    login(client, city.office_city)
    o = client.get(OVERVIEW).context["o"]
    assert [t.pk for t in o.waiting] == [task.pk]
    assert [u.name for u in o.stale] == ["UnitB"]
    by_day = {p.day: p for p in o.trend}
    assert by_day[timezone.localdate() - timedelta(days=2)].entries == 1
    assert by_day[(timezone.now() - timedelta(days=8)).astimezone(timezone.get_current_timezone()).date()].submitted
    assert isinstance(o.trend[0].day, date)


def test_overview_lists_overdue_rectifications_offers_urging_and_loads_crowding(client, city):
    """Overdue rectification items and crowded research are on the dashboard, with 催办 from a row."""
    from tests.factories import make_ledger_row
    from tracker.ledgers.models import RectificationItem

    item = make_ledger_row("rectification", unit=city.unit_a, by=city.staff_a, problem="台账不全")
    RectificationItem.objects.filter(pk=item.pk).update(deadline=timezone.localdate() - timedelta(days=2))
    login(client, city.office_city)
    response = client.get(OVERVIEW)
    page = response.content.decode()
    assert "台账不全" in page and 'id="rectification-list"' in page
    assert f'hx-get="{reverse("ledgers:crowding")}"' in page  # loads after the page; a plain link without htmx
    stale = response.context["o"].stale
    assert stale and all(reverse("reminders:unit_urge", args=[unit.pk]) in page for unit in stale)
    # The unit leader sees their own overdue item but neither the crowding card nor 催办 buttons.
    client.logout()
    login(client, city.leader_a)
    page = client.get(OVERVIEW).content.decode()
    assert "台账不全" in page
    assert reverse("ledgers:crowding") not in page.split("<main")[-1]
    assert "inline-urge" not in page
    # Another district's office does not see unit A's item.
    client.logout()
    login(client, make_user(Role.OFFICE, unit=city.west, username="office_west"))
    assert "台账不全" not in client.get(OVERVIEW).content.decode()


def test_overview_reads_no_list_its_roll_ups_count_empty(client, city, django_assert_num_queries):
    """Nothing waiting too long and no quiet unit: neither list costs a query (the scope's tally
    counts both), and the page says there are none."""
    some_progress(city)
    services.entry_add(task=Task.objects.filter(unit=city.unit_b).first(), by=city.staff_b, text="x")
    rollups_current(city)
    login(client, city.office_city)
    with django_assert_num_queries(OVERVIEW_QUERIES["office_city"] - 2):
        response = client.get(OVERVIEW)
    o = response.context["o"]
    assert (o.waiting, o.waiting_count, o.stale, o.stale_count) == ([], 0, [], 0)
