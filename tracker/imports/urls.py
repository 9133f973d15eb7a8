from django.urls import path

from tracker.imports import views

app_name = "imports"

urlpatterns = [
    path("imports/", views.import_start, name="start"),
    path("imports/templates/<slug:kind>.<slug:fmt>", views.import_template, name="template"),
    path("imports/<int:pk>/", views.job_detail, name="job_detail"),
    path("imports/<int:pk>/run/", views.job_run, name="job_run"),
]
