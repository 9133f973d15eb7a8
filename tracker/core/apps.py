from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tracker.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from tracker.core import signals  # noqa: F401  (connects the login receiver)
