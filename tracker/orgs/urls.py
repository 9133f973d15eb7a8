from django.urls import path

from tracker.orgs import views

app_name = "orgs"

urlpatterns = [
    path("units/", views.unit_list, name="unit_list"),
]
