from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "tracker.jobs"
    label = "jobs"
    verbose_name = "Background jobs"
