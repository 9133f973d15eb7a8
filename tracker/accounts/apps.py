from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tracker.accounts"
    label = "accounts"
    verbose_name = "Accounts and sessions"

    def ready(self):
        from tracker.accounts import signals  # noqa: F401  (connects the login receiver)
