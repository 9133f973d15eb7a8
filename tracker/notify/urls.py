from django.urls import path

from tracker.notify import views

app_name = "notify"

urlpatterns = [
    path("notifications/", views.item_list, name="list"),
    path("notifications/bell/", views.bell, name="bell"),
    path("notifications/<int:pk>/read/", views.item_read, name="read"),
    path("notifications/read-all/", views.read_all, name="read_all"),
    path("notifications/sent/", views.sent, name="sent"),
    path("notifications/settings/", views.settings_page, name="settings"),
    path("notifications/outbox/", views.outbox, name="outbox"),
    path("notifications/outbox/<int:pk>/resend/", views.resend, name="resend"),
    # The link in a mail, IM card or SMS: a signed token, no login needed to record the click.
    path("n/<str:token>/", views.click, name="click"),
]
