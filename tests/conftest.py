"""Shared fixtures: a small city with two districts, its people and one campaign."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta

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


@pytest.fixture(scope="module")
def demo_city(django_db_setup, django_db_blocker):
    """The demo city (`seed_demo`, which seeds the campaign too), built once per test module.

    It is built inside a transaction that stays open for the module and is rolled back after its
    last test; each test's `db` fixture runs in a savepoint inside it, so every test sees the city
    as built and nothing one test writes reaches the next. Works on SQLite and PostgreSQL alike.
    Tests that must commit (`transactional_db`, a live server, a worker) cannot use it.
    """
    from django.core.management import call_command
    from django.db import transaction
    from django.test import TestCase

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        # Marked as a test-case transaction, so code under test may still open durable blocks.
        outer._from_testcase = True
        with TestCase.captureOnCommitCallbacks(execute=True):
            call_command("seed_demo", verbosity=0)
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def pdf():
    def make(name="minutes.pdf", content=PDF_BYTES):
        return SimpleUploadedFile(name, content, content_type="application/pdf")

    return make


def login(client, user):
    client.force_login(user)
    return client


def assert_probe(caplog, user, call) -> None:
    """`call()` is a 404 (an out-of-scope row is not found) and a line on `tracker.access` names the user."""
    from django.http import Http404

    caplog.clear()
    with caplog.at_level("WARNING", logger="tracker.access"), pytest.raises(Http404):
        call()
    assert any(
        r.name == "tracker.access" and "out-of-scope" in r.getMessage() and f"user {user.pk}" in r.getMessage()
        for r in caplog.records
    ), caplog.text


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Expose each phase's report on the test item, so fixtures can screenshot failures."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


# --- Reminders: calendar, SMTP sink, a real Celery worker --------------------------------------


@pytest.fixture(autouse=True)
def _no_workday_overrides():
    """Every test starts from an empty override table without reading it (query counts stay exact)."""
    from tracker.core import workdays

    workdays.prime_overrides({}, ttl=float("inf"))
    yield
    workdays.prime_overrides({}, ttl=float("inf"))


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """A real SMTP server (aiosmtpd) on a free port that keeps what it accepts.

    `refuse` makes it answer the next N messages with 451 (try again later), as a busy or
    greylisting mail server does.
    """

    def __init__(self):
        import threading

        from aiosmtpd.controller import Controller

        self.messages: list = []
        self.refuse = 0
        self.refused = 0
        self._lock = threading.Lock()
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        with self._lock:
            if self.refuse:
                self.refuse -= 1
                self.refused += 1
                return "451 4.3.0 Mailbox busy, try again later"
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def recipients(self) -> list[str]:
        return sorted(str(m["To"]) for m in self.messages)

    def start(self):
        self._controller.start()

    def stop(self):
        self._controller.stop()


@pytest.fixture
def smtp_sink():
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


def wait_for(condition, *, timeout: float = 30.0, interval: float = 0.2, what: str = "condition"):
    """Poll until `condition()` is truthy; a bound on waiting, not a timing assertion."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def database_url() -> str:
    """The URL of the database the tests use (test_…), for a subprocess that must see the same rows."""
    from django.db import connection

    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgresql://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def require_worker_services() -> None:
    """A worker in another process needs a database it can see (PostgreSQL) and, here, Redis."""
    from django.conf import settings
    from django.db import connection

    require_service("PostgreSQL", connection.vendor == "postgresql", "a worker cannot see SQLite's test database")
    require_service("Redis", bool(settings.REDIS_URL), "REDIS_URL is not set")


@pytest.fixture
def today_is_a_workday(db):
    """The relay sends nothing on a day off; a worker test on a real weekend declares today a working day."""
    from django.utils import timezone

    from tracker.core.models import WorkdayOverride

    WorkdayOverride.objects.get_or_create(date=timezone.localdate(), defaults={"is_workday": True, "note": "test"})


@pytest.fixture
def celery_worker_process(transactional_db, today_is_a_workday, tmp_path):
    """Start `celery -A tracker worker` against the test database; returns a starter taking extra env.

    The worker is a real process on the real broker (Redis from REDIS_URL unless the env says
    otherwise); it is stopped before the test database is flushed.
    """
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from django.conf import settings

    processes = []

    def start(pool: str = "solo", concurrency: int = 1, **env):
        log = tmp_path / f"worker-{len(processes)}.log"
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tracker.settings",
            "DATABASE_URL": database_url(),
            "DB_CONN_MAX_AGE": "0",
            "REDIS_URL": settings.REDIS_URL,
            # No quiet hours unless a test sets them: pushes decided by the worker at 22:00–07:30
            # Beijing time would otherwise wait for the morning, and the test with them.
            "NOTIFY_QUIET_START": "00:00",
            "NOTIFY_QUIET_END": "00:00",
            **{k: str(v) for k, v in env.items()},
        }
        celery = Path(sys.executable).with_name("celery")
        command = [str(celery), "-A", "tracker", "worker", f"--pool={pool}", f"--concurrency={concurrency}"]
        command += ["--loglevel=INFO", "--purge"]
        command += ["--without-mingle", "--without-gossip", "--without-heartbeat", "-n", f"test-{os.getpid()}@%h"]
        handle = log.open("w")
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=environment, stdout=handle, stderr=subprocess.STDOUT
        )
        processes.append((process, handle))
        wait_for(lambda: " ready." in log.read_text() or process.poll() is not None, what="the worker to start")
        assert process.poll() is None, log.read_text()
        process.log = log
        return process

    yield start
    for process, handle in processes:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        handle.close()


@pytest.fixture
def jobs_inline(monkeypatch):
    """Background jobs (tracker.jobs) run in this process when their transaction commits, not on a worker."""
    from tracker.jobs import services as job_services

    monkeypatch.setattr(job_services, "_enqueue", lambda job_id: job_services.job_run(job_id=job_id))


@dataclass
class Ladder:
    """The small city on a fixed working day with one task on each rung of the reminder ladder."""

    city: City
    today: date
    due_soon: Task  # unit A, owner staff_a, due tomorrow
    overdue: Task  # unit A, owner staff_a, due three days ago
    escalated: Task  # unit B, owner staff_b, due ten days ago


# Wednesday 25 November 2026: an ordinary working day on the official calendar.
LADDER_DAY = date(2026, 11, 25)


def make_ladder(city: City, today: date = LADDER_DAY) -> Ladder:
    from tracker.work.models import TaskStatus

    Task.objects.update(status=TaskStatus.DONE)  # everything else is closed: only the three below remind
    first, second = Task.objects.filter(unit=city.unit_a).order_by("id")[:2]
    third = city.task_b()
    for task, owner, due in (
        (first, city.staff_a, today + timedelta(days=1)),
        (second, city.staff_a, today - timedelta(days=3)),
        (third, city.staff_b, today - timedelta(days=10)),
    ):
        Task.objects.filter(pk=task.pk).update(owner=owner, due_on=due, status=TaskStatus.IN_PROGRESS)
    return Ladder(
        city=city,
        today=today,
        due_soon=Task.objects.get(pk=first.pk),
        overdue=Task.objects.get(pk=second.pk),
        escalated=Task.objects.get(pk=third.pk),
    )


@pytest.fixture
def ladder(city) -> Ladder:
    return make_ladder(city)


def table_counts() -> dict[str, int]:
    """Rows in every table of the project's apps (history tables included): a refused write changes none.

    One UNION query, so property-based tests can take a snapshot per example cheaply.
    """
    from django.apps import apps
    from django.db import connection

    from tracker.ops.models import AuditEvent

    tables = sorted(
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if (model.__module__.startswith("tracker.") or model._meta.app_label in {"accounts", "auth"})
        # The audit record is where a refusal is written down (tracker.ops.audit): that is its job.
        and model is not AuditEvent
    )
    quote = connection.ops.quote_name
    sql = " UNION ALL ".join(f"SELECT '{table}', COUNT(*) FROM {quote(table)}" for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(cursor.fetchall())


def grow_city(city, units: int, *, seed: int = 3) -> list:
    """Add `units` units under the city's two districts in bulk, with tasks in every status.

    Bulk inserts instead of services: the dashboards' query-count tests need hundreds of units
    in seconds. Paths come from tracker.orgs.paths.
    """
    import random
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    from tracker.orgs.models import Unit
    from tracker.orgs.paths import unit_path
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
        unit.path = unit_path(parent_path=unit.parent.path, pk=unit.pk)
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
        task.entry_count, task.last_activity_on, task.last_entry_on = 1, day, day
        entries.append(Entry(task=task, author=city.office_city, occurred_on=day, text="bulk"))
        if task.status in ("submitted", "done"):
            events.append(TaskEvent(task=task, kind=EventKind.SUBMITTED, actor=city.office_city))
        if task.status == "done":
            events.append(TaskEvent(task=task, kind=EventKind.ACCEPTED, actor=city.office_city))
    Task.objects.bulk_update(tasks, ["status", "entry_count", "last_activity_on", "last_entry_on"], batch_size=1000)
    Entry.objects.bulk_create(entries, batch_size=1000)
    TaskEvent.objects.bulk_create(events, batch_size=1000)
    for event in events:
        event.created_at = timezone.make_aware(datetime.combine(today - timedelta(days=rng.randint(0, 20)), time(12)))
    TaskEvent.objects.bulk_update(events, ["created_at"], batch_size=1000)
    return new


def waiting_for_review(city, *, days: int = 10) -> Task:
    """A new task of unit A submitted `days` ago: on the overview's list of submissions waiting too
    long (an empty list costs no query, so query-count tests that mean the full page have one)."""
    from django.utils import timezone

    from tests.factories import TaskFactory
    from tracker.rollups.services import rollups_mark
    from tracker.work import services
    from tracker.work.models import EventKind, TaskEvent

    task = TaskFactory(campaign=city.campaign, unit=city.unit_a, measure=city.study, owner=city.staff_a)
    task = services.entry_add(task=task, by=city.staff_a, text="待审核").task
    task = services.task_submit(task=task, by=city.staff_a, expected_version=task.version)
    long_ago = timezone.now() - timedelta(days=days)
    TaskEvent.objects.filter(task=task, kind=EventKind.SUBMITTED).update(created_at=long_ago)
    Task.objects.filter(pk=task.pk).update(submitted_at=long_ago)
    rollups_mark(campaign_id=task.campaign_id, unit_ids=[task.unit_id])
    return task


def rollups_current(city) -> None:
    """Fold pending changes into the roll-ups, as the minute job would, before counting a page's queries."""
    from tracker.rollups.services import rollups_refresh
    from tracker.work.lights import LightRule

    rollups_refresh(campaign=city.campaign, rule=LightRule.for_campaign(city.campaign))


@pytest.fixture
def big_city(city):
    """The small city grown to about 500 units (a thousand tasks) for query-count tests."""
    grow_city(city, 500)
    return city
