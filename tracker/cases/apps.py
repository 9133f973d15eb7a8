from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "tracker.cases"
    label = "cases"
    verbose_name = "Model cases"
