from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "tracker.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from tracker.ops import audit  # noqa: F401  (login signals)
