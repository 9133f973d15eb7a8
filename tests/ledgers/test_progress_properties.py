"""Invariants, not examples: any interleaving of the writes people make keeps every task equal to a recount.

A hypothesis state machine adds, deletes and restores entries, creates, edits, deletes and restores
rows of every ledger, submits, accepts and returns tasks, changes owners and tries stale saves, in
two units; after every step `check_progress` and `check_rollups` (their functions) find nothing.
Each example runs in a savepoint that is rolled back, so examples start from the same city.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from tests.factories import TemplateFactory, ledger_defaults
from tracker.core.concurrency import StaleVersion
from tracker.ledgers import services as ledger_services
from tracker.ledgers.progress import progress_differences
from tracker.ledgers.registry import LEDGERS
from tracker.rollups.check import rollups_check
from tracker.rollups.services import rollups_refresh
from tracker.work import services
from tracker.work.instantiation import tasks_generate
from tracker.work.lights import LightRule
from tracker.work.models import Entry, Task

# A CI budget: about 30 random runs of up to 20 steps each.
EXAMPLES = 30
STEPS = 20

# Templates counting every ledger, with filters a row can move in and out of by an edit.
COUNTED = [
    ("study", {"kind": "central_group"}, 1, "monthly"),
    ("study", {"mode": "offline"}, 2, "none"),
    ("study", {}, 1, "none"),
    ("rectification", {}, 2, "none"),
    ("topics", {}, 1, "none"),
    ("visits", {}, 2, "none"),
    ("reports", {}, 1, "none"),
    ("conversion", {"status": "done"}, 1, "none"),
    ("deeds", {"status": "done"}, 1, "none"),
    ("institutions", {"action": "new"}, 1, "none"),
]


def row_data(ledger: str, variant: int, starts_on: date) -> dict[str, Any]:
    """A valid row of `ledger`; `variant` picks the values the templates' filters and periods look at."""
    today = timezone.localdate()
    data = {**ledger_defaults(ledger)}
    days = [today - timedelta(days=1), starts_on, min(today, starts_on + timedelta(days=35))]
    if ledger == "study":
        data["kind"] = ["central_group", "reading_class", "lecture", "other"][variant % 4]
        data["mode"] = ["offline", "online"][variant // 4 % 2]
        data["held_on"] = days[variant % 3]
    elif ledger in ("conversion", "deeds"):
        status = ["planned", "done", "in_progress"][variant % 3]
        data["status"] = status
        data["done_on"] = today - timedelta(days=1) if status == "done" else None
    elif ledger == "institutions":
        data["action"] = ["new", "revised", "repealed"][variant % 3]
    elif ledger == "visits":
        data["visited_on"] = days[variant % 3]
        data["site"] = f"社区{variant}"
    elif ledger == "reports":
        data["completed_on"] = days[variant % 3]
    elif ledger == "topics":
        data["title"] = f"课题{variant}"
    elif ledger == "rectification":
        data["measures"] = f"措施{variant}"
    return data


@pytest.fixture
def counted_city(city):
    for i, (ledger, ledger_filter, target, recurrence) in enumerate(COUNTED):
        TemplateFactory(
            campaign=city.campaign,
            measure=city.study,
            code=f"counted-{i}-{ledger}",
            ledger=ledger,
            ledger_filter=ledger_filter,
            target_count=target,
            recurrence=recurrence,
            due_offset_days=100,
        )
    tasks_generate(campaign=city.campaign)
    return city


def test_any_interleaving_keeps_progress_and_rollups_equal_to_a_recount(counted_city):
    city = counted_city
    units = [city.unit_a, city.unit_b]
    staff = {city.unit_a.pk: [city.staff_a, city.leader_a], city.unit_b.pk: [city.staff_b]}
    reviewer = {city.unit_a.pk: city.guide, city.unit_b.pk: city.office_city}
    index = st.integers(min_value=0, max_value=10_000)
    runs = {"examples": 0, "steps": 0}

    class Writes(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            runs["examples"] += 1
            # Each example in its own savepoint, rolled back in teardown.
            self.atomic = transaction.atomic()
            self.atomic.__enter__()

        def teardown(self) -> None:
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        def _task(self, i: int) -> Task:
            tasks = list(Task.objects.filter(unit__in=units).order_by("id"))
            return tasks[i % len(tasks)]

        def _row(self, ledger_i: int, i: int, *, deleted: bool | None = None):
            model = LEDGERS[list(LEDGERS)[ledger_i % len(LEDGERS)]].model
            rows = model.all_objects.filter(unit__in=units)
            if deleted is not None:
                rows = rows.filter(deleted_at__isnull=not deleted)
            rows = list(rows.order_by("id"))
            return rows[i % len(rows)] if rows else None

        @rule(i=index, percent=st.one_of(st.none(), st.integers(0, 100)), who=index)
        def add_entry(self, i: int, percent: int | None, who: int) -> None:
            task = self._task(i)
            people = staff[task.unit_id]
            try:
                services.entry_add(
                    task=task, by=people[who % len(people)], text="做了", percent=percent, expected_version=task.version
                )
            except ValidationError:
                assert not task.is_open

        @rule(i=index, percent=st.integers(0, 100))
        def add_entry_from_a_stale_page(self, i: int, percent: int) -> None:
            task = self._task(i)
            if task.version == 1:
                return
            before = Task.objects.values().get(pk=task.pk)
            with pytest.raises((StaleVersion, ValidationError)):
                services.entry_add(
                    task=task, by=staff[task.unit_id][0], text="旧页面", percent=percent, expected_version=1
                )
            assert Task.objects.values().get(pk=task.pk) == before

        @rule(i=index, delete=st.booleans())
        def delete_or_restore_entry(self, i: int, delete: bool) -> None:
            entries = list(
                Entry.all_objects.filter(task__unit__in=units, ledger="", deleted_at__isnull=delete)
                .select_related("task__unit", "task__campaign")
                .order_by("id")
            )
            if not entries:
                return
            entry = entries[i % len(entries)]
            service = services.entry_delete if delete else services.entry_restore
            try:
                service(entry=entry, by=entry.author)
            except ValidationError:
                assert not entry.task.is_open

        @rule(ledger_i=index, unit_i=index, variant=index)
        def create_row(self, ledger_i: int, unit_i: int, variant: int) -> None:
            ledger = list(LEDGERS)[ledger_i % len(LEDGERS)]
            unit = units[unit_i % len(units)]
            ledger_services.ledger_row_create(
                ledger=ledger,
                campaign=city.campaign,
                unit=unit,
                by=staff[unit.pk][0],
                data=row_data(ledger, variant, city.campaign.starts_on),
                confirm_crowding=True,
                crowding_reason="已与相关单位协调",
            )

        @rule(ledger_i=index, i=index, variant=index)
        def edit_row(self, ledger_i: int, i: int, variant: int) -> None:
            row = self._row(ledger_i, i, deleted=False)
            if row is None or not row.is_editable:
                return
            ledger_services.ledger_row_update(
                row=row,
                by=staff[row.unit_id][0],
                data=row_data(row.LEDGER, variant, city.campaign.starts_on),
                expected_version=row.version,
                confirm_crowding=True,
                crowding_reason="已与相关单位协调",
            )

        @rule(ledger_i=index, i=index, delete=st.booleans())
        def delete_or_restore_row(self, ledger_i: int, i: int, delete: bool) -> None:
            row = self._row(ledger_i, i, deleted=not delete)
            if row is None:
                return
            if delete:
                if row.is_editable:
                    ledger_services.ledger_row_delete(row=row, by=staff[row.unit_id][0], expected_version=row.version)
            else:
                ledger_services.ledger_row_restore(row=row, by=staff[row.unit_id][0], expected_version=row.version)

        @rule(i=index, step=st.sampled_from(["submit", "accept", "return"]))
        def review(self, i: int, step: str) -> None:
            task = self._task(i)
            try:
                if step == "submit":
                    services.task_submit(task=task, by=staff[task.unit_id][0], expected_version=task.version)
                elif step == "accept":
                    services.task_accept(task=task, by=reviewer[task.unit_id], expected_version=task.version)
                else:
                    services.task_return(
                        task=task, by=reviewer[task.unit_id], reason="请补充材料", expected_version=task.version
                    )
            except ValidationError:
                pass  # not in a state for this step: nothing may change, which the invariants check

        @rule(i=index, who=index)
        def change_owner(self, i: int, who: int) -> None:
            task = self._task(i)
            people = [None, *staff[task.unit_id]]
            services.task_change_owner(
                task=task, by=staff[task.unit_id][0], owner=people[who % len(people)], expected_version=task.version
            )

        @invariant()
        def progress_equals_a_recount(self) -> None:
            runs["steps"] += 1  # invariants run once at the start and after every step
            assert progress_differences(campaign=city.campaign) == []

        @invariant()
        def rollups_equal_a_recount(self) -> None:
            rule = LightRule.for_campaign(city.campaign)
            rollups_refresh(campaign=city.campaign, rule=rule)
            assert [d for d in rollups_check(campaign=city.campaign, rule=rule) if d.missing or d.extra] == []

    run_state_machine_as_test(
        Writes,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
    print(f"state machine: {runs['examples']} examples, {runs['steps'] - runs['examples']} steps")
    assert runs["examples"] >= EXAMPLES and runs["steps"] > 2 * runs["examples"]
    # Every example was rolled back: the next started from the same city.
    assert not Entry.all_objects.exists() and not LEDGERS["study"].model.all_objects.exists()
