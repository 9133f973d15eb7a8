"""Keeping the roll-ups exact: mark what changed, fold it in before reading, rebuild when the rule moves."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Exists, Model, OuterRef, QuerySet
from django.utils import timezone

from tracker.campaigns.models import Campaign
from tracker.core.bulk import analyze
from tracker.orgs.models import Unit
from tracker.orgs.paths import path_ids
from tracker.rollups import recount
from tracker.rollups.models import TALLIES, TASK_TALLIES, DayTally, DirtyUnit, RollupState
from tracker.work.lights import LightRule

log = logging.getLogger("tracker.rollups")

# Folding costs the same few statements per model however many units changed, and reads their
# rows into Python; past this many changed units one rebuild is simpler (a first import of a city).
FOLD_LIMIT = 2000

# One of the tally models (TALLIES). They share the Span base, but `unit` and the manager live on
# each concrete model, which the type checker cannot see through a common base.
TallyModel = Any


# Bumped whenever the light rule itself changes, so tallies counted under the old rule are rebuilt.
LIGHT_RULE_VERSION = "lights-3"


def rule_key(rule: LightRule, campaign: Campaign) -> str:
    """What the task tallies depend on besides the tasks; a different key means they must be recounted.

    The day and the thresholds (the lights, stale units, overdue reviews) and the campaign's start
    (a unit that never logged anything is quiet since then).
    """
    review = rule.review_before.date() if rule.review_before else ""
    return (
        f"{rule.today}|{rule.yellow_due_by}|{rule.stale_before}|{rule.group_red_percent}|{review}"
        f"|{campaign.starts_on}|{LIGHT_RULE_VERSION}"
    )


def rollups_mark(*, campaign_id: int, unit_ids: Iterable[int]) -> None:
    """Note units whose tasks changed without a model signal (bulk inserts), in the caller's transaction."""
    DirtyUnit.objects.bulk_create([DirtyUnit(campaign_id=campaign_id, unit_id=u) for u in sorted(set(unit_ids))])


def rollups_invalidate(*, campaign: Campaign | None = None) -> None:
    """Have the next refresh rebuild everything (after bulk writes that bypass signals)."""
    states = RollupState.objects.all() if campaign is None else RollupState.objects.filter(campaign=campaign)
    states.update(rule_key="", days_built=False)


def rollups_refresh(*, campaign: Campaign, rule: LightRule) -> RollupState:
    """Bring the campaign's roll-ups up to date for `rule`; call before reading them.

    Nothing to do (one query) when no unit changed and the rule is the one counted with.
    Otherwise, under a lock on the state row so that one refresh runs at a time: a rebuild of the
    task tallies when the rule moved (a new day, a new threshold), else the changed units' own
    rows are recounted and the difference added to their ancestors' subtree rows. A caller that
    finds another refresh folding changes returns at once and reads what that one commits.
    """
    key = rule_key(rule, campaign)
    dirty = DirtyUnit.objects.filter(campaign_id=OuterRef("campaign_id"))
    seen = RollupState.objects.filter(campaign=campaign).annotate(dirty=Exists(dirty)).first()
    if seen is not None and seen.rule_key == key and seen.days_built and not seen.dirty:
        return seen
    only_marks = seen is not None and seen.rule_key == key and seen.days_built
    with transaction.atomic():
        RollupState.objects.get_or_create(campaign=campaign)
        # Only changed units to fold and another refresh is folding them right now: read what it
        # commits in a moment rather than queue behind it (under steady writes, readers otherwise
        # took turns folding each other's marks). A rebuild for a new rule is always waited for.
        locked = RollupState.objects.select_for_update(skip_locked=only_marks).filter(campaign=campaign).first()
        if locked is None:
            assert seen is not None  # rows are skipped only when the state was read above
            return seen
        state = locked
        marks = list(DirtyUnit.objects.filter(campaign_id=campaign.pk).values_list("id", "unit_id"))
        changed = dict(Unit.objects.filter(pk__in={unit for _, unit in marks}).values_list("pk", "path"))
        rebuild_tasks = state.rule_key != key or len(changed) > FOLD_LIMIT
        rebuild_days = not state.days_built or len(changed) > FOLD_LIMIT
        levels = recount.max_depth() if rebuild_tasks or rebuild_days else 0
        for model in TASK_TALLIES:
            if rebuild_tasks:
                _rebuild(model, campaign=campaign, rule=rule, levels=levels)
            elif changed:
                _fold(model, campaign=campaign, rule=rule, paths=changed)
        if rebuild_days:
            _rebuild(DayTally, campaign=campaign, rule=rule, levels=levels)
        elif changed:
            _fold(DayTally, campaign=campaign, rule=rule, paths=changed)
        ids = [mark for mark, _ in marks]
        for start in range(0, len(ids), 500):
            DirtyUnit.objects.filter(id__in=ids[start : start + 500]).delete()
        now = timezone.now()
        state.rule_key, state.days_built, state.refreshed_at = key, True, now
        if rebuild_tasks or rebuild_days:
            _analyze(TALLIES if rebuild_days else TASK_TALLIES)
            state.rebuilt_at = now
            log.info("rollups rebuilt for campaign %s (%s)", campaign.pk, key)
        state.save()
    return state


def _analyze(models: Iterable[type[Model]]) -> None:
    """Fresh planner statistics after a rebuild: estimated from an empty table, the matrix's joins
    were planned as nested loops over thousands of rows."""
    analyze(models)


def _rebuild(model: TallyModel, *, campaign: Campaign, rule: LightRule, levels: int) -> None:
    model.objects.filter(campaign=campaign).delete()
    recount.insert_own(model, campaign=campaign, rule=rule)
    recount.insert_subtree(model, campaign=campaign, levels=levels)


def _read(model: TallyModel, rows: QuerySet[Any]) -> dict[tuple[Any, ...], dict[str, int]]:
    keys = model.KEYS
    return {
        (row["unit_id"], *(row[k] for k in keys)): {name: row[name] for name in model.COUNTERS}
        for row in rows.values("unit_id", *keys, *model.COUNTERS)
    }


def _fold(model: TallyModel, *, campaign: Campaign, rule: LightRule, paths: dict[int, str]) -> None:
    """Recount the own rows of the changed units and add the difference to every subtree row above them."""
    own = model.objects.filter(campaign=campaign, subtree=False, unit_id__in=list(paths))
    old = _read(model, own)
    own.delete()
    recount.insert_own(model, campaign=campaign, rule=rule, unit_ids=paths)
    new = _read(model, own)
    zero = dict.fromkeys(model.COUNTERS, 0)
    deltas: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: dict(zero))
    for key in old.keys() | new.keys():
        before, after = old.get(key, zero), new.get(key, zero)
        change = {name: after[name] - before[name] for name in model.COUNTERS}
        if not any(change.values()):
            continue
        unit_id, rest = key[0], key[1:]
        for ancestor in path_ids(paths[unit_id]):
            target = deltas[(ancestor, *rest)]
            for name, value in change.items():
                target[name] += value
    if not deltas:
        return
    keys = model.KEYS
    rows = model.objects.filter(campaign=campaign, subtree=True, unit_id__in={key[0] for key in deltas})
    if keys:
        rows = rows.filter(**{f"{keys[0]}__in": {key[1] for key in deltas}})
    updated = []
    for row in rows:
        row_key = (row.unit_id, *(getattr(row, k) for k in keys))
        if row_key not in deltas:
            continue
        change = deltas.pop(row_key)
        for name, value in change.items():
            setattr(row, name, getattr(row, name) + value)
        updated.append(row)
    model.objects.bulk_update(updated, model.COUNTERS, batch_size=500)
    model.objects.bulk_create(
        [
            model(campaign=campaign, unit_id=key[0], subtree=True, **dict(zip(keys, key[1:], strict=True)), **change)
            for key, change in deltas.items()
        ],
        batch_size=500,
    )
