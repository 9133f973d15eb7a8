from django.urls import path

from tracker.campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("campaigns/switch/", views.switch, name="switch"),
]
