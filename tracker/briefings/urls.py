from django.urls import path

from tracker.briefings import views

app_name = "briefings"

urlpatterns = [
    path("briefings/", views.start, name="start"),
    path("briefings/<int:pk>/", views.job_detail, name="job_detail"),
    path("briefings/<int:pk>/download/", views.download, name="download"),
]
