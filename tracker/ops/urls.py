from django.urls import path

from tracker.ops import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
]
