from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tracker.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from tracker.core import workdays
        from tracker.core.models import CalendarYear, WorkdayOverride

        def forget(**kwargs):
            workdays.forget_overrides()

        post_save.connect(forget, sender=WorkdayOverride, weak=False, dispatch_uid="workday-override-saved")
        post_delete.connect(forget, sender=WorkdayOverride, weak=False, dispatch_uid="workday-override-deleted")
        post_save.connect(forget, sender=CalendarYear, weak=False, dispatch_uid="calendar-year-saved")
        post_delete.connect(forget, sender=CalendarYear, weak=False, dispatch_uid="calendar-year-deleted")
        from tracker.core import signals  # noqa: F401  (connects the login receiver)
