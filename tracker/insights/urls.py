from django.urls import path

from tracker.insights import views

app_name = "insights"

urlpatterns = [
    path("insights/signals/", views.signals, name="signals"),
]
