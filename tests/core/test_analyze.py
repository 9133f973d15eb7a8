"""A bulk write large enough to change the plans is followed by ANALYZE of what it wrote.

PostgreSQL's autovacuum may be off or far behind: a page planned from a table's old statistics
(a parent with 30 children where an import put 4,000) sorts every row to show thirty.
"""

from __future__ import annotations

import pytest
from django.db import connection

from tests.factories import make_unit
from tracker.core import bulk
from tracker.orgs.models import Unit
from tracker.work.instantiation import tasks_generate
from tracker.work.models import Task


def planner_rows(model) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table])
        return cursor.fetchone()[0]


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's")


def test_only_a_large_write_is_analyzed(postgres, city, monkeypatch):
    bulk.analyze([Unit])
    before = planner_rows(Unit)
    for i in range(6):
        make_unit(f"A{i}", code=f"analyze-{i}", parent=city.west, category=city.unit_a.category)
    monkeypatch.setattr(bulk, "ANALYZE_AFTER_ROWS", 6)
    bulk.analyze_after_bulk([Unit], 5)  # below the threshold: the old statistics stay
    assert planner_rows(Unit) == before
    bulk.analyze_after_bulk([Unit], 6)
    assert planner_rows(Unit) == Unit.objects.count() == before + 6


def test_generating_a_new_areas_tasks_refreshes_the_task_statistics(postgres, city, monkeypatch):
    bulk.analyze([Task])
    before = planner_rows(Task)
    monkeypatch.setattr(bulk, "ANALYZE_AFTER_ROWS", 10)
    new = [make_unit(f"G{i}", code=f"gen-{i}", parent=city.west, category=city.unit_a.category) for i in range(5)]
    created = tasks_generate(campaign=city.campaign, units=new)
    assert created >= 10
    assert planner_rows(Task) == Task.objects.count() == before + created
