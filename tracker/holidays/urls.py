from django.urls import path

from tracker.holidays import views

app_name = "holidays"

urlpatterns = [
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/save/", views.calendar_save, name="calendar_save"),
]
