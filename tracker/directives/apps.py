from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectivesConfig(AppConfig):
    name = "tracker.directives"
    label = "directives"
    verbose_name = _("Directives")

    def ready(self) -> None:
        from tracker.directives.holds import unacknowledged_assignment
        from tracker.work.holds import register_entry_check

        register_entry_check(unacknowledged_assignment)
