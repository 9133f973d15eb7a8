from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "tracker.imports"
    label = "imports"
    verbose_name = "Imports"

    def ready(self) -> None:
        from tracker.imports import jobs

        jobs.register()
