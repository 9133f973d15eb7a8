from django.apps import AppConfig


class HolidaysConfig(AppConfig):
    name = "tracker.holidays"
    label = "holidays"
    verbose_name = "Working-day calendar"

    def ready(self) -> None:
        from tracker.holidays import checks  # noqa: F401  (registers the unknown-year check)
