from django.urls import path

from tracker.editor import views

app_name = "editor"

urlpatterns = [
    path("editor/", views.template_list, name="template_list"),
    path("editor/soft-cap/", views.soft_cap, name="soft_cap"),
    path("editor/new/", views.template_create, name="template_create"),
    path("editor/<int:pk>/", views.template_detail, name="template_detail"),
    path("editor/<int:pk>/edit/", views.template_edit, name="template_edit"),
    path("editor/<int:pk>/retire/", views.template_retire, name="template_retire"),
    path("editor/changes/<int:pk>/", views.change_detail, name="change_detail"),
    path("editor/changes/<int:pk>/confirm/", views.change_confirm, name="change_confirm"),
]
