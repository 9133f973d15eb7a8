"""The periodic jobs in django-celery-beat's tables, so the office can change their times in the admin.

Created once by name; a later migrate never overwrites what the office changed.
"""

from django.db import migrations

MINUTE_JOBS = [
    ("reminders: relay outbox", "tracker.reminders.tasks.relay_outbox"),
    ("celery heartbeat", "tracker.core.tasks.heartbeat"),
]
SWEEP = ("reminders: daily sweep", "tracker.reminders.tasks.send_reminders")


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    for name, task in MINUTE_JOBS:
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "interval": every_minute})
    # Every working hour, every day of the week: the sweep itself skips days off (make-up Saturdays
    # are working days), and a run lost to a restart is made up by the next hour's, idempotently.
    hourly, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="8-17", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
    )
    name, task = SWEEP
    PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "crontab": hourly})


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, _ in [*MINUTE_JOBS, SWEEP]]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
