"""`check_rollups`: compare every stored roll-up row with a full recount from tasks, entries and events."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection

from tracker.campaigns.models import Campaign
from tracker.orgs.models import Unit
from tracker.rollups import recount
from tracker.rollups.models import TALLIES
from tracker.work.lights import LightRule

EXAMPLES = 5


@dataclass
class Difference:
    """Rows of one table and span that a recount gives but are not stored (missing), or the reverse."""

    table: str
    span: str
    missing: int = 0
    extra: int = 0
    examples: list[tuple] = field(default_factory=list)


def _stored(model, names) -> str:
    """The same columns as stored: unit id, keys and counters of table alias t."""
    qn = connection.ops.quote_name
    return ", ".join(["t.unit_id", *(f"t.{qn(model._meta.get_field(name).column)}" for name in names)])


def _compare(model, span: str, expected: str, expected_params: list, stored: str, stored_params: list) -> Difference:
    difference = Difference(table=model._meta.db_table, span=span)
    with connection.cursor() as cursor:
        for attribute, (first, first_params, second, second_params) in {
            "missing": (expected, expected_params, stored, stored_params),
            "extra": (stored, stored_params, expected, expected_params),
        }.items():
            sql = f"{first} EXCEPT {second}"
            cursor.execute(f"SELECT COUNT(*) FROM ({sql}) d", [*first_params, *second_params])
            count = cursor.fetchone()[0]
            setattr(difference, attribute, count)
            if count:
                cursor.execute(f"SELECT * FROM ({sql}) d LIMIT {EXAMPLES}", [*first_params, *second_params])
                difference.examples += [(attribute, *row) for row in cursor.fetchall()]
    return difference


def rollups_check(*, campaign: Campaign, rule: LightRule) -> list[Difference]:
    """Every own row against a recount of the source rows, every subtree row against the sum of its own rows.

    Own rows equal to the recount and subtree rows equal to the sums of own rows mean every row
    equals a full recount. Subtree rows whose counters are all zero (a subtree without tasks) are
    not compared: a recount has no row for them.
    """
    qn = connection.ops.quote_name
    unit_table = qn(Unit._meta.db_table)
    differences = []
    for model in TALLIES:
        table = qn(model._meta.db_table)
        own = recount.fields(model, subtree=False)
        sql, params = recount.own_counts_sql(model, campaign=campaign, rule=rule)
        differences.append(
            _compare(
                model,
                "own",
                f"SELECT sub.grp, {recount.select(model, own)} FROM ({sql}) sub",
                params,
                f"SELECT {_stored(model, own)} FROM {table} t WHERE t.campaign_id = %s AND t.subtree = %s",
                [campaign.pk, False],
            )
        )
        nonzero = " OR ".join(f"t.{qn(c)} <> 0" for c in model.COUNTERS)
        summed = recount.fields(model, subtree=True)
        subtree = Difference(table=model._meta.db_table, span="subtree")
        for level in range(recount.max_depth() + 1):
            sql, level_params = recount.subtree_counts(model, campaign=campaign, level=level).query.sql_with_params()
            found = _compare(
                model,
                "subtree",
                f"SELECT a.id, {recount.select(model, summed)} FROM ({sql}) sub "
                f"JOIN {unit_table} a ON a.path = sub.grp",
                list(level_params),
                f"SELECT {_stored(model, summed)} FROM {table} t JOIN {unit_table} u ON u.id = t.unit_id "
                f"WHERE t.campaign_id = %s AND t.subtree = %s AND u.depth = %s AND ({nonzero})",
                [campaign.pk, True, level],
            )
            subtree.missing += found.missing
            subtree.extra += found.extra
            subtree.examples += found.examples[: EXAMPLES - len(subtree.examples)]
        differences.append(subtree)
    return differences
