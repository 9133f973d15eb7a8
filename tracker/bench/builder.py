"""Builds a dataset: the tree (tree.py), then each unit's tasks with simulated progress."""

from __future__ import annotations

import time
from datetime import timedelta

from tracker.bench import names
from tracker.bench.progress import Progress
from tracker.bench.rows import TableWriter, reserve_ids
from tracker.bench.tasksim import (
    ENTRY_FIELDS,
    ENTRY_HISTORY_FIELDS,
    EVENT_FIELDS,
    TASK_FIELDS,
    TASK_HISTORY_FIELDS,
    _TaskSim,
)
from tracker.bench.tree import _Plan, _TreeBuilder, _UnitSpec
from tracker.campaigns.models import Measure
from tracker.orgs.models import Role, Unit, UnitCategory
from tracker.work.models import Entry, EventKind, Task, TaskEvent, TaskStatus

UNIT_BATCH = 100  # units whose tasks and entries are simulated and copied together
MAX_ENTRIES_PER_TASK = 60


class _Builder(_TreeBuilder):
    """Adds the tasks of every unit with simulated entries, workflow events and history."""

    # -- tasks, entries, events and their history

    def _plans(self) -> dict[str, _Plan]:
        """The instantiation rule: every active template whose categories include the unit's (or all)."""
        templates = (
            self.campaign.templates.filter(is_active=True)
            .select_related("campaign", "measure")
            .prefetch_related("categories")
        )
        plans: dict[str, _Plan] = {code: _Plan([]) for code in UnitCategory.objects.values_list("code", flat=True)}
        for template in templates:
            categories = {c.code for c in template.categories.all()}
            for code, plan in plans.items():
                if categories and code not in categories:
                    continue
                for period in template.periods():
                    plan.rows.append(
                        (
                            template.pk,
                            template.measure_id,
                            period,
                            template.target_count,
                            template.measure.code,
                        )
                    )
        return plans

    def build(self) -> Unit:
        t0 = time.perf_counter()
        self._tree()
        self._write_units()
        self._people()
        self.log(f"tree: {len(self.units):,} units, {len(self.users):,} people in {time.perf_counter() - t0:.1f}s")
        plans = self._plans()
        measures = {m.code: m.pk for m in Measure.objects.all()}
        participating = [s for s in self.units if s.participates]
        bar = Progress("tasks", len(participating), enabled=self.show_progress)
        self.writers = {
            "task": TableWriter(Task, TASK_FIELDS),
            "task_h": TableWriter(Task.history.model, TASK_HISTORY_FIELDS),
            "entry": TableWriter(Entry, ENTRY_FIELDS),
            "entry_h": TableWriter(Entry.history.model, ENTRY_HISTORY_FIELDS),
            "event": TableWriter(TaskEvent, EVENT_FIELDS),
        }
        for offset in range(0, len(participating), UNIT_BATCH):
            batch = participating[offset : offset + UNIT_BATCH]
            self._batch(batch, plans, measures)
            bar.advance(len(batch))
        bar.close()
        shape = self.shape
        if self.counts["tasks"] < shape.min_tasks or self.counts["entries"] < shape.min_entries:
            raise ValueError(f"scale {shape.name} generated too little: {self.counts}")
        return Unit.objects.get(code=self.code)

    def _batch(self, batch: list[_UnitSpec], plans: dict[str, _Plan], measures: dict[str, int]) -> None:
        rng = self.rng
        sims: list[_TaskSim] = []
        for spec in batch:
            diligence = rng.betavariate(5, 2)
            people = self.people[spec.index]
            for template_id, measure_id, period, target, measure_code in plans[spec.category or ""].rows:
                sims.append(
                    _TaskSim(
                        campaign_id=self.campaign.pk,
                        unit_id=spec.id,
                        template_id=template_id,
                        measure_id=measure_id,
                        measure_code=measure_code,
                        period_index=period.index,
                        period_starts_on=period.starts_on,
                        period_ends_on=period.ends_on,
                        due_on=period.due_on,
                        weight=target,
                        diligence=diligence,
                        people=people,
                        created_at=self.start_at,
                        initial_activity=self.campaign.starts_on,
                    )
                )
            for _ in range(rng.randint(0, self.shape.self_chosen_max)):
                sims.append(self._self_chosen(spec, diligence, people, measures))
        first_task = reserve_ids(Task, len(sims))
        for offset, sim in enumerate(sims):
            sim.id = first_task + offset
            self._simulate(sim)
        entry_total = sum(len(sim.entries) for sim in sims)
        next_entry = reserve_ids(Entry, entry_total) if entry_total else 0
        task_rows, task_h, entry_rows, entry_h, events = [], [], [], [], []
        for sim in sims:
            for entry in sim.entries:
                entry[0] = next_entry
                next_entry += 1
                row = tuple(entry)
                entry_rows.append(row)
                entry_h.append((*row, entry[6], None, "+", entry[2]))
            task_rows.append(sim.row())
            task_h.extend(sim.history())
            events.extend(sim.events)
        self.writers["task"].write(task_rows)
        self.writers["task_h"].write(task_h)
        self.writers["entry"].write(entry_rows)
        self.writers["entry_h"].write(entry_h)
        self.writers["event"].write(events)
        self.counts["tasks"] += len(task_rows)
        self.counts["entries"] += len(entry_rows)

    def _self_chosen(self, spec: _UnitSpec, diligence: float, people: list[int], measures) -> _TaskSim:
        rng = self.rng
        campaign = self.campaign
        measure_code = rng.choice(list(names.SELF_CHOSEN_TITLES))
        created = campaign.starts_on + timedelta(days=rng.randint(3, max(3, (self.today - campaign.starts_on).days)))
        created = min(created, self.today)
        due = created + timedelta(days=rng.randint(14, 60))
        due = min(due, campaign.ends_on)
        author = rng.choice(people)
        sim = _TaskSim(
            campaign_id=campaign.pk,
            unit_id=spec.id,
            template_id=None,
            measure_id=measures[measure_code],
            measure_code=measure_code,
            period_index=0,
            period_starts_on=None,
            period_ends_on=None,
            due_on=due,
            weight=1,
            diligence=diligence,
            people=people,
            created_at=self._at(created, 10),
            initial_activity=created,
            title=rng.choice(names.SELF_CHOSEN_TITLES[measure_code]),
            created_by=author,
        )
        return sim

    def _simulate(self, sim: _TaskSim) -> None:
        """Decide the task's fate on the campaign clock and produce its entries and events."""
        rng, today = self.rng, self.today
        d = sim.diligence
        lag = 1.6 - d
        starts = sim.period_starts_on or sim.initial_activity
        if sim.period_starts_on and sim.period_starts_on > today:
            statuses: dict[str, float] = {TaskStatus.TODO: 1.0}
        elif sim.due_on < today:
            statuses = {"done": 62 * d, "submitted": 8, "returned": 4, "in_progress": 16 * lag, "todo": 10 * lag}
        elif sim.due_on <= today + timedelta(days=21):
            statuses = {"done": 14 * d, "submitted": 6 * d, "in_progress": 50, "todo": 30 * lag}
        else:
            statuses = {"done": 4 * d, "in_progress": 30 * d + 5, "todo": 60 * lag}
        status = rng.choices(list(statuses), weights=list(statuses.values()))[0]
        leader = sim.people[0]
        events = sim.events
        last_at = sim.created_at
        last_actor = sim.created_by
        if sim.template_id is None:
            events.append((sim.id, EventKind.CREATED, sim.created_by, "", sim.created_at))
        if rng.random() < 0.85:
            sim.owner = rng.choice(sim.people)
            day = min(today, max(starts, sim.created_at.astimezone(self.tz).date()) + timedelta(days=rng.randint(0, 4)))
            last_at = max(last_at, self._at(day, 9, 30))
            events.append((sim.id, EventKind.OWNER_CHANGED, leader, "", last_at))
            last_actor = leader
            sim.version += 1
        if status == TaskStatus.TODO:
            sim.finish(status, last_at, last_actor)
            return
        closing = status in ("done", "submitted", "returned")
        count = 1 + min(MAX_ENTRIES_PER_TASK - 1, int(rng.expovariate(1 / (self.shape.entries_mean * sim.weight - 1))))
        low = max(starts, self.campaign.starts_on)
        high = min(today, sim.due_on + timedelta(days=3)) if closing else today
        high = max(low, high)
        span = (high - low).days
        days = sorted(low + timedelta(days=rng.randint(0, span)) for _ in range(count))
        percents = sorted(rng.randrange(10, 100, 5) for _ in range(count))
        progress = 0
        texts = names.ENTRY_TEXTS[sim.measure_code]
        for i, day in enumerate(days):
            author = sim.owner or rng.choice(sim.people)
            percent = percents[i] if rng.random() < 0.6 else None
            if closing and i == count - 1:
                percent = 100
            if percent is not None:
                progress = percent
            at = max(last_at, self._at(day, rng.randint(9, 17), rng.randint(0, 59)))
            text = rng.choice(texts).format(rng.randint(3, 60))
            sim.entries.append([0, sim.id, author, day, text, percent, at])
            last_at, last_actor = at, author
        sim.entry_count = count
        sim.last_activity = max(sim.initial_activity, days[-1])
        sim.last_entry = days[-1]
        sim.progress = progress
        if closing:
            submitted = min(today, days[-1] + timedelta(days=rng.randint(0, 2)))
            last_at = max(last_at, self._at(submitted, 17, 30))
            events.append((sim.id, EventKind.SUBMITTED, last_actor, "", last_at))
            sim.submitted_at = last_at
            sim.version += 1
            if status != "submitted":
                reviewed = min(today, submitted + timedelta(days=rng.randint(1, 3)))
                last_at = max(last_at, self._at(reviewed, 10))
                reviewer = self._reviewer()
                if status == "done":
                    events.append((sim.id, EventKind.ACCEPTED, reviewer, "", last_at))
                    sim.progress = 100
                    sim.is_featured = sim.template_id is None and rng.random() < 0.1
                else:
                    events.append((sim.id, EventKind.RETURNED, reviewer, rng.choice(names.RETURN_REASONS), last_at))
                last_actor = reviewer
                sim.version += 1
        sim.finish(status, last_at, last_actor)

    def _reviewer(self) -> int:
        # The first office user of the root reviews; enough for realistic rows.
        if not hasattr(self, "_office_id"):
            self._office_id = next(r[2] for r in self.roles if r[3] == Role.OFFICE)
        return self._office_id
