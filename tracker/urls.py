"""Root URLconf. There is deliberately no route for MEDIA: evidence is served by work:evidence_download."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from tracker.accounts.forms import LoginForm
from tracker.home import views as home_views
from tracker.personnel.views import MailResetView, SetPasswordView

urlpatterns = [
    path("", home_views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=LoginForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Accounts created by the user import choose their first password through a one-time link.
    path("accounts/set-password/<uidb64>/<token>/", SetPasswordView.as_view(), name="password_reset_confirm"),
    # Forgotten passwords: a one-time link by e-mail when mail is configured (PASSWORD_RESET_BY_MAIL).
    path("accounts/password-reset/", MailResetView.as_view(), name="password_reset"),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="personnel/reset_sent.html"),
        name="password_reset_done",
    ),
    path("accounts/set-password/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("tracker.home.urls")),
    path("", include("tracker.work.urls")),
    path("", include("tracker.reminders.urls")),
    path("", include("tracker.notify.urls")),
    path("", include("tracker.ledgers.urls")),
    path("", include("tracker.imports.urls")),
    path("", include("tracker.briefings.urls")),
    path("", include("tracker.ops.urls")),
    path("", include("tracker.dashboards.urls")),
    path("", include("tracker.directives.urls")),
    path("", include("tracker.holidays.urls")),
    path("", include("tracker.editor.urls")),
    path("", include("tracker.scoring.urls")),
    path("", include("tracker.personnel.urls")),
    path("", include("tracker.api.urls")),
    path("", include("tracker.jobs.urls")),
    path("", include("tracker.campaigns.urls")),
    path("", include("tracker.people.urls")),
    path("", include("tracker.surveys.urls")),
    path("", include("tracker.insights.urls")),
    path("", include("tracker.cases.urls")),
]
