from django.urls import path

from tracker.scoring import views

app_name = "scoring"

urlpatterns = [
    path("scores/", views.scores, name="scores"),
    path("scores/settings/", views.settings_save, name="settings"),
    path("scores/export/", views.export, name="export"),
]
