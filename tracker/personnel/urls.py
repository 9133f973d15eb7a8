from django.urls import path

from tracker.personnel import views

app_name = "personnel"

urlpatterns = [
    path("people/accounts/", views.account_list, name="account_list"),
    path("people/accounts/<int:pk>/", views.account_detail, name="account_detail"),
    path("people/accounts/<int:pk>/set-password-link/", views.account_link, name="account_link"),
]
