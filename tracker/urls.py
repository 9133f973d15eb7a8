"""Root URLconf. There is deliberately no route for MEDIA: evidence is served by work:evidence_download."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from tracker.home import views as home_views

urlpatterns = [
    path("", home_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Accounts created by the user import choose their first password through a one-time link.
    path(
        "accounts/set-password/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(post_reset_login=False),
        name="password_reset_confirm",
    ),
    path("accounts/set-password/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("tracker.home.urls")),
    path("", include("tracker.work.urls")),
    path("", include("tracker.reminders.urls")),
    path("", include("tracker.ledgers.urls")),
    path("", include("tracker.imports.urls")),
    path("", include("tracker.briefings.urls")),
    path("", include("tracker.ops.urls")),
    path("", include("tracker.dashboards.urls")),
    path("", include("tracker.holidays.urls")),
    path("", include("tracker.editor.urls")),
    path("", include("tracker.scoring.urls")),
]
