from django.urls import path

from tracker.dashboards import compare_views, views

app_name = "dashboards"

urlpatterns = [
    path("dashboard/", views.overview, name="overview"),
    path("dashboard/matrix/", views.matrix, name="matrix"),
    path("dashboard/matrix.xlsx", views.matrix_export, name="matrix_export"),
    path("dashboard/ledger.xlsx", views.ledger_export, name="ledger_export"),
    path("dashboard/compare/", compare_views.compare, name="compare"),
]
