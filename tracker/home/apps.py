from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "tracker.home"
    label = "home"
    verbose_name = "Home"
