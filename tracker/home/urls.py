from django.urls import path

from tracker.home import views

app_name = "home"

# The landing page itself keeps the bare name "home" (LOGIN_REDIRECT_URL): see tracker/urls.py.
urlpatterns = [
    path("units/", views.unit_list, name="unit_list"),
]
