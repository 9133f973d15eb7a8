"""The jobs' periodic tasks in django-celery-beat's tables: reap dead jobs every minute, purge old
downloads every hour. Created once by name; a later migrate never overwrites what the office changed."""

from django.db import migrations

JOBS = [
    ("jobs: mark interrupted jobs", "tracker.jobs.tasks.reap_jobs", 1, "minutes"),
    ("jobs: delete expired downloads", "tracker.jobs.tasks.purge_job_files", 1, "hours"),
]


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, every, period in JOBS:
        interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "interval": interval})


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, *_ in JOBS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0001_job"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
