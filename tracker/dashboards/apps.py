from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "tracker.dashboards"
    verbose_name = _("Dashboards")

    def ready(self) -> None:
        from tracker.dashboards import jobs

        jobs.register()
