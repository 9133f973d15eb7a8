from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RollupsConfig(AppConfig):
    name = "tracker.rollups"
    label = "rollups"
    verbose_name = _("Roll-ups")

    def ready(self):
        from tracker.rollups import signals  # noqa: F401  (connects the receivers)
