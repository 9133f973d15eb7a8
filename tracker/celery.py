"""The Celery application: configured from Django settings (CELERY_*), tasks found in each app's tasks.py.

Start a worker with `celery -A tracker worker` and exactly one beat with
`celery -A tracker beat` (the schedule lives in the database, django-celery-beat).
`make run` starts web, worker and beat together (Procfile, honcho).
"""

from __future__ import annotations

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

app = Celery("tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _prepare_filesystem_broker() -> None:
    """kombu's filesystem transport expects its folders to exist; web, worker and beat all publish."""
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder", "processed_folder"):
        if key in options:
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@app.on_after_configure.connect
def _on_configure(sender, **kwargs) -> None:
    if str(sender.conf.broker_url).startswith("filesystem://"):
        _prepare_filesystem_broker()
