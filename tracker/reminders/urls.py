from django.urls import path

from tracker.reminders import views

app_name = "reminders"

urlpatterns = [
    path("tasks/<int:pk>/urge/", views.task_urge, name="task_urge"),
    # For dashboard rows: POST note (optional) and next (where to go back to); htmx gets a fragment.
    path("units/<int:pk>/urge/", views.unit_urge, name="unit_urge"),
    path("units/<int:pk>/urges/", views.unit_urges, name="unit_urges"),
    path("reminders/outbox/", views.outbox, name="outbox"),
    path("reminders/outbox/<int:pk>/retry/", views.outbox_retry, name="outbox_retry"),
    path("reminders/settings/", views.preferences, name="preferences"),
]
