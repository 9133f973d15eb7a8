"""Shared fixtures: a small city with two districts, its people and one campaign."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import (
    CampaignFactory,
    CategoryFactory,
    MeasureFactory,
    TemplateFactory,
    make_unit,
    make_user,
)
from tracker.orgs.models import GuidanceGroup, Role, UnitLevel
from tracker.work.instantiation import tasks_generate
from tracker.work.models import Task

PASSWORD = "pw-for-tests-123"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def require_service(name: str, available: bool, why: str) -> None:
    """Skip when a real service is missing, unless CI demands every service (REQUIRE_SERVICES=1)."""
    if available:
        return
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{name} is required (REQUIRE_SERVICES=1) but unavailable: {why}")
    pytest.skip(f"{name} unavailable: {why}")


@dataclass
class City:
    campaign: object
    city: object
    east: object
    west: object
    unit_a: object  # in east
    unit_b: object  # in west
    study: object
    org: object
    staff_a: object
    leader_a: object
    staff_b: object
    guide: object  # guides unit_a only
    office_city: object
    office_east: object
    leadership: object

    def task_a(self) -> Task:
        return Task.objects.filter(unit=self.unit_a).order_by("id").first()

    def task_b(self) -> Task:
        return Task.objects.filter(unit=self.unit_b).order_by("id").first()


@pytest.fixture
def city(db) -> City:
    organ = CategoryFactory(code="organ", name_zh="机关", name_en="Organs")
    school = CategoryFactory(code="school", name_zh="中小学", name_en="Schools")
    campaign = CampaignFactory()
    study = MeasureFactory(code="study", name_zh="理论学习", name_en="Theory study", order=1)
    org = MeasureFactory(code="organisation", name_zh="组织实施", name_en="Organisation", order=6)
    TemplateFactory(
        campaign=campaign,
        measure=study,
        code="reading",
        title_zh="读书班",
        title_en="Reading class",
        due_offset_days=90,
    )
    TemplateFactory(
        campaign=campaign, measure=org, code="plan", title_zh="制定方案", title_en="Make a plan", due_offset_days=-10
    )  # already overdue
    TemplateFactory(campaign=campaign, measure=study, code="school-only", categories=[school])

    city = make_unit("City", level=UnitLevel.CITY)
    east = make_unit("East", parent=city, level=UnitLevel.DISTRICT)
    west = make_unit("West", parent=city, level=UnitLevel.DISTRICT)
    unit_a = make_unit("UnitA", parent=east, category=organ)
    unit_b = make_unit("UnitB", parent=west, category=organ)
    tasks_generate(campaign=campaign)

    group = GuidanceGroup.objects.create(name="Group 1")
    group.units.add(unit_a)
    return City(
        campaign=campaign,
        city=city,
        east=east,
        west=west,
        unit_a=unit_a,
        unit_b=unit_b,
        study=study,
        org=org,
        staff_a=make_user(Role.STAFF, unit=unit_a, username="staff_a", first_name="张三"),
        leader_a=make_user(Role.UNIT_LEADER, unit=unit_a, username="leader_a"),
        staff_b=make_user(Role.STAFF, unit=unit_b, username="staff_b"),
        guide=make_user(Role.GUIDE, group=group, username="guide"),
        office_city=make_user(Role.OFFICE, unit=city, username="office_city"),
        office_east=make_user(Role.OFFICE, unit=east, username="office_east"),
        leadership=make_user(Role.LEADERSHIP, unit=city, username="leadership"),
    )


@pytest.fixture
def pdf():
    def make(name="minutes.pdf", content=PDF_BYTES):
        return SimpleUploadedFile(name, content, content_type="application/pdf")

    return make


def login(client, user):
    client.force_login(user)
    return client


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Expose each phase's report on the test item, so fixtures can screenshot failures."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def table_counts() -> dict[str, int]:
    """Rows in every table of the project's apps (history tables included): a refused write changes none.

    One UNION query, so property-based tests can take a snapshot per example cheaply.
    """
    from django.apps import apps
    from django.db import connection

    tables = sorted(
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model.__module__.startswith("tracker.") or model._meta.app_label in {"accounts", "auth"}
    )
    quote = connection.ops.quote_name
    sql = " UNION ALL ".join(f"SELECT '{table}', COUNT(*) FROM {quote(table)}" for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(cursor.fetchall())


def grow_city(city, units: int, *, seed: int = 3) -> list:
    """Add `units` units under the city's two districts in bulk, with tasks in every status.

    Bulk inserts instead of services: the dashboards' query-count tests need hundreds of units
    in seconds. Paths follow tracker.orgs.services.unit_create's format.
    """
    import random
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    from tracker.orgs.models import Unit
    from tracker.work.models import Entry, EventKind, TaskEvent

    rng = random.Random(seed)
    category = city.unit_a.category
    parents = [city.east, city.west]
    new = Unit.objects.bulk_create(
        [
            Unit(
                name=f"Bulk{i:04d}",
                code=f"bulk-{i}",
                level=UnitLevel.UNIT,
                parent=parents[i % 2],
                category=category,
                path="/",
            )
            for i in range(units)
        ]
    )
    for unit in new:
        unit.path = f"{unit.parent.path}{unit.pk:08d}/"
        unit.depth = unit.parent.depth + 1
    Unit.objects.bulk_update(new, ["path", "depth"], batch_size=1000)
    tasks_generate(campaign=city.campaign, units=new)
    tasks = list(Task.objects.filter(unit__in=new))
    today = timezone.localdate()
    entries, events = [], []
    for task in tasks:
        task.status = rng.choice(["todo", "in_progress", "submitted", "done", "returned"])
        if task.status == "todo":
            continue
        day = today - timedelta(days=rng.randint(0, 30))
        task.entry_count, task.last_activity_on = 1, day
        entries.append(Entry(task=task, author=city.office_city, occurred_on=day, text="bulk"))
        if task.status in ("submitted", "done"):
            events.append(TaskEvent(task=task, kind=EventKind.SUBMITTED, actor=city.office_city))
        if task.status == "done":
            events.append(TaskEvent(task=task, kind=EventKind.ACCEPTED, actor=city.office_city))
    Task.objects.bulk_update(tasks, ["status", "entry_count", "last_activity_on"], batch_size=1000)
    Entry.objects.bulk_create(entries, batch_size=1000)
    TaskEvent.objects.bulk_create(events, batch_size=1000)
    for event in events:
        event.created_at = timezone.make_aware(datetime.combine(today - timedelta(days=rng.randint(0, 20)), time(12)))
    TaskEvent.objects.bulk_update(events, ["created_at"], batch_size=1000)
    return new


@pytest.fixture
def big_city(city):
    """The small city grown to about 500 units (a thousand tasks) for query-count tests."""
    grow_city(city, 500)
    return city
