from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "tracker.scoring"
    label = "scoring"
    verbose_name = "Scoring"
