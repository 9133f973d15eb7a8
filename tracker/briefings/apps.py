from django.apps import AppConfig


class BriefingsConfig(AppConfig):
    name = "tracker.briefings"
    label = "briefings"
    verbose_name = "Briefings"
