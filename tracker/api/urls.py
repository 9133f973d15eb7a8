from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from tracker.api import views

app_name = "api"

urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/campaigns/", views.CampaignList.as_view(), name="campaigns"),
    path("api/v1/units/", views.UnitProgressList.as_view(), name="units"),
    path("api/v1/units/<int:pk>/", views.UnitProgressDetail.as_view(), name="unit"),
    path("api/v1/measures/", views.MeasureProgressList.as_view(), name="measures"),
    path("api/v1/tasks/", views.TaskList.as_view(), name="tasks"),
    path("api/v1/tasks/<int:pk>/", views.TaskDetail.as_view(), name="task"),
    path("api/v1/ledgers/<slug:ledger>/", views.LedgerRowList.as_view(), name="ledger_rows"),
]
