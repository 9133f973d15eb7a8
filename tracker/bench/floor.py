"""The floor: one hand-written SQL statement computing the overview numbers of a scope.

It is what the database needs at least to answer "how many tasks are red, yellow, not yet due, green, and
how far is each measure" for a city, with no ORM, no template and no Python in between. The
overview view can be judged against it (ratio view / floor).

The light is the rule of tracker/work/lights.py written out by hand: same closed statuses,
same thresholds (LightRule.today, yellow_due_by, stale_before, starts_on), same order of the
branches. `tests/bench/test_generator.py` checks it gives the numbers the ORM gives with LightRule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection

from tracker.campaigns.models import Campaign
from tracker.orgs.models import Unit
from tracker.work.lights import CLOSED_STATUSES, UNTOUCHED_STATUS, LightRule
from tracker.work.models import Task

ATTENTION = """(t.due_on <= %(yellow_due_by)s
                     OR (%(stale_possible)s = 1 AND t.status <> %(untouched)s
                         AND t.last_activity_on < %(stale_before)s
                         AND (t.period_starts_on IS NULL OR t.period_starts_on < %(stale_before)s)))"""

FLOOR_SQL = """
SELECT t.measure_id,
       COUNT(*) AS total,
       SUM(CASE WHEN t.status = 'done' THEN 1 ELSE 0 END) AS done,
       SUM(CASE WHEN t.status IN ({closed}) THEN 0
                WHEN t.due_on < %(today)s THEN 1 ELSE 0 END) AS red,
       SUM(CASE WHEN t.status IN ({closed}) THEN 0
                WHEN t.due_on < %(today)s THEN 0
                WHEN {attention} THEN 1
                ELSE 0 END) AS yellow,
       SUM(CASE WHEN t.status IN ({closed}) THEN 0
                WHEN t.due_on < %(today)s THEN 0
                WHEN {attention} THEN 0
                WHEN t.status = '{untouched}' THEN 1
                ELSE 0 END) AS neutral
  FROM {task} t
  JOIN {unit} u ON u.id = t.unit_id
 WHERE t.campaign_id = %(campaign)s
   AND u.path LIKE %(prefix)s
 GROUP BY t.measure_id
"""


@dataclass(frozen=True)
class FloorNumbers:
    total: int
    done: int
    red: int
    yellow: int
    neutral: int
    green: int
    by_measure: dict[int, dict[str, int]]  # measure id → total, done, red, yellow, neutral, green, percent_done

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "done": self.done,
            "red": self.red,
            "yellow": self.yellow,
            "neutral": self.neutral,
            "green": self.green,
            "by_measure": {str(k): v for k, v in self.by_measure.items()},
        }


def floor_sql() -> str:
    closed = ", ".join(f"'{status}'" for status in CLOSED_STATUSES)
    return FLOOR_SQL.format(
        closed=closed,
        attention=ATTENTION,
        untouched=UNTOUCHED_STATUS,
        task=Task._meta.db_table,
        unit=Unit._meta.db_table,
    )


def floor_numbers(*, scope: Unit, campaign: Campaign, rule: LightRule) -> FloorNumbers:
    """Counts by light for the scope and completion per measure, in one statement."""
    params: dict[str, Any] = {
        "today": rule.today,
        "yellow_due_by": rule.yellow_due_by,
        "stale_before": rule.stale_before,
        "stale_possible": 0 if rule.stale_q() is None else 1,
        "untouched": UNTOUCHED_STATUS,
        "campaign": campaign.pk,
        "prefix": scope.path + "%",
    }
    with connection.cursor() as cursor:
        cursor.execute(floor_sql(), params)
        rows = cursor.fetchall()
    by_measure = {}
    for measure_id, total, done, red, yellow, neutral in rows:
        total, done, red, yellow, neutral = int(total), int(done), int(red), int(yellow), int(neutral)
        by_measure[measure_id] = {
            "total": total,
            "done": done,
            "red": red,
            "yellow": yellow,
            "neutral": neutral,
            "green": total - red - yellow - neutral,
            "percent_done": round(100 * done / total) if total else 0,
        }
    sums = {
        key: sum(m[key] for m in by_measure.values()) for key in ("total", "done", "red", "yellow", "neutral", "green")
    }
    return FloorNumbers(**sums, by_measure=by_measure)
