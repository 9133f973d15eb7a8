# Load the Celery app with Django, so shared tasks bind to it and on_commit enqueues work.
from tracker.celery import app as celery_app

__all__ = ["celery_app"]
