from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "tracker.ops"
    label = "ops"
    verbose_name = "Operations"
