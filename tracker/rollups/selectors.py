"""Reading the roll-ups for a user's scope: which rows add up to exactly what the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Expression, F, Q, Sum
from django.db.models.functions import Coalesce

from tracker.orgs.paths import path_ids
from tracker.orgs.scope import Scope
from tracker.rollups.models import TaskTally
from tracker.work.lights import LightRule, percent_expression


def span_q(scope: Scope, prefix: str = "") -> Q:
    """Roll-up rows that together count the scope once: subtree rows of its roots, own rows of single units.

    A guide's or a unit leader's units are counted one by one (own rows), except those already
    inside one of the user's subtrees, which would otherwise count twice.
    """

    def q(**lookups: Any) -> Q:
        return Q(**{f"{prefix}{name}": value for name, value in lookups.items()})

    if scope.is_superuser:
        return q(subtree=True, unit__depth=0)
    span = q(pk__in=[])
    if scope.read_paths:
        span |= q(subtree=True, unit_id__in=root_ids(scope))
    if scope.read_unit_ids:
        single = q(subtree=False, unit_id__in=sorted(scope.read_unit_ids))
        for path in scope.read_paths:
            single &= ~q(unit__path__startswith=path)
        span |= single
    return span


def root_ids(scope: Scope) -> list[int]:
    """The units at the top of the scope's subtrees: the last id of each path (Unit.path is a chain of ids)."""
    return sorted(path_ids(path)[-1] for path in scope.read_paths)


def tally_sums(rule: LightRule, prefix: str = "", within: Q | None = None, name: str = "task") -> dict[str, Expression]:
    """`LightRule.tally()`'s keys, summed from TaskTally rows instead of counted from tasks."""

    def total(field: str) -> Expression:
        return Coalesce(Sum(f"{prefix}{field}", filter=within), 0)

    counts = {field: total(field) for field in TaskTally.COUNTERS}
    return {
        **{f"{name}_{field}": value for field, value in counts.items()},
        f"{name}_percent": percent_expression(counts["done"], counts["total"]),
        f"{name}_light": rule.rollup_expression(counts["red"], counts["yellow"], counts["total"]),
    }


def row_tally(rule: LightRule, prefix: str = "", name: str = "task") -> dict[str, Expression]:
    """The same keys read from one TaskTally row (no grouping); 0 where a left join found no row."""
    fields = {field: Coalesce(F(f"{prefix}{field}"), 0) for field in TaskTally.COUNTERS}
    return {
        **{f"{name}_{field}": value for field, value in fields.items()},
        f"{name}_percent": percent_expression(fields["done"], fields["total"]),
        f"{name}_light": rule.rollup_expression(fields["red"], fields["yellow"], fields["total"]),
    }
