from django.apps import AppConfig


class EditorConfig(AppConfig):
    name = "tracker.editor"
    label = "editor"
    verbose_name = "Template editor"
