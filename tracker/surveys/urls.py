from django.urls import path, re_path

from tracker.surveys import public_views, views

app_name = "surveys"

urlpatterns = [
    path("s/<str:token>/", public_views.answer, name="public"),
    re_path(r"^ledgers/(?P<ledger>deeds|rectification)/(?P<pk>[0-9]+)/survey/$", views.survey_open, name="open"),
    path("surveys/", views.results, name="results"),
    path("surveys/export/", views.results_export, name="export"),
    path("surveys/<int:pk>/", views.detail, name="detail"),
    path("surveys/<int:pk>/qr.svg", views.qr_code, name="qr"),
    path("surveys/<int:pk>/codes/", views.codes_issue, name="codes"),
]
