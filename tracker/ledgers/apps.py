from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgersConfig(AppConfig):
    name = "tracker.ledgers"
    verbose_name = _("Ledgers")

    def ready(self) -> None:
        from tracker.ledgers import crowding

        crowding.register()
