from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "tracker.api"
    label = "api"
    verbose_name = "Read API"

    def ready(self) -> None:
        from tracker.api import schema  # noqa: F401  (registers the token scheme with drf-spectacular)
