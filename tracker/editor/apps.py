from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EditorConfig(AppConfig):
    name = "tracker.editor"
    label = "editor"
    verbose_name = "Template editor"

    def ready(self) -> None:
        from tracker.editor.services import JOB_KIND, run_template_change
        from tracker.jobs import registry

        registry.register(JOB_KIND, run_template_change, label=_("Apply a change of a required action"))
