"""Signals the task workflow sends for writes that bypass the model signals.

`tasks_inserted` is sent inside the inserting transaction after a bulk insert of tasks
(bulk_create sends no post_save), with `campaign_id` and the set of `unit_ids` that got tasks,
so apps built on tasks (the roll-ups) can note them without `work` depending on those apps.
"""

from __future__ import annotations

from django.dispatch import Signal

tasks_inserted = Signal()
