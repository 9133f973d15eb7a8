from django.apps import AppConfig


class PersonnelConfig(AppConfig):
    name = "tracker.personnel"
    label = "personnel"
    verbose_name = "Personnel accounts"
