"""Traffic lights (红黄绿灯): the one rule, evaluated in the database.

Every page that shows a light annotates its queryset with `LightRule.expression()`, so a task's
light is the same wherever it appears and roll-ups can aggregate it in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker.campaigns.models import Campaign
from tracker.core.workdays import add_workdays

# Done, or handed in and waiting for the reviewer: never red or yellow for the unit.
CLOSED_STATUSES = ("done", "submitted")


class Light(models.TextChoices):
    RED = "red", _("Red")
    YELLOW = "yellow", _("Yellow")
    GREEN = "green", _("Green")


@dataclass(frozen=True)
class LightRule:
    """PRODUCT §5 for one campaign on one day.

    red: overdue and not done; yellow: due within N working days, or no entry for M days;
    green: done, or on track. A task awaiting review counts as green: the unit has done its
    part, and a late review must not turn the unit red.
    """

    today: date
    yellow_due_by: date
    stale_before: date

    @classmethod
    def for_campaign(cls, campaign: Campaign, today: date | None = None) -> LightRule:
        today = today or timezone.localdate()
        return cls(
            today=today,
            yellow_due_by=add_workdays(today, campaign.yellow_due_workdays),
            stale_before=today - timedelta(days=campaign.stale_days),
        )

    def closed_q(self, prefix: str = "") -> Q:
        return Q(**{f"{prefix}status__in": CLOSED_STATUSES})

    def red_q(self, prefix: str = "") -> Q:
        return ~self.closed_q(prefix) & Q(**{f"{prefix}due_on__lt": self.today})

    def yellow_q(self, prefix: str = "") -> Q:
        due_soon = Q(**{f"{prefix}due_on__lte": self.yellow_due_by})
        stale = Q(**{f"{prefix}last_activity_on__lt": self.stale_before})
        return ~self.closed_q(prefix) & ~self.red_q(prefix) & (due_soon | stale)

    def due_soon_q(self, prefix: str = "") -> Q:
        """Open and due today or within N working days: the due-date half of yellow (the "due soon" reminder)."""
        window = Q(**{f"{prefix}due_on__gte": self.today, f"{prefix}due_on__lte": self.yellow_due_by})
        return ~self.closed_q(prefix) & window

    def expression(self, prefix: str = "") -> Case:
        """The light of each row as a SQL CASE; the Q methods above are its branches."""
        return Case(
            When(self.closed_q(prefix), then=Value(Light.GREEN)),
            When(self.red_q(prefix), then=Value(Light.RED)),
            When(self.yellow_q(prefix), then=Value(Light.YELLOW)),
            default=Value(Light.GREEN),
            output_field=models.CharField(max_length=6),
        )
