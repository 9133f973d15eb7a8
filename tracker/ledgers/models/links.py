"""Which entries and tasks a ledger row feeds: one entry typed once serves every ledger (一表通)."""

from __future__ import annotations

from django.db import models

from tracker.campaigns.models import Ledger
from tracker.work.models import Entry, Task


class LedgerEntryLink(models.Model):
    """The task entry a ledger row produced (一表通), so the entry goes when the row stops counting."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="+")
    entry = models.OneToOneField(Entry, on_delete=models.CASCADE, related_name="ledger_link")
    ledger = models.CharField(max_length=20, choices=Ledger.choices)
    row_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "ledger", "row_id"], name="ledger_link_one_per_task_row"),
        ]
        indexes = [models.Index(fields=["ledger", "row_id"], name="ledger_link_row")]

    def __str__(self) -> str:
        return f"{self.ledger}#{self.row_id} → task {self.task_id}"
