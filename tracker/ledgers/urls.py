from django.urls import path, register_converter

from tracker.campaigns.models import Ledger
from tracker.ledgers import read_views, views

app_name = "ledgers"


class LedgerConverter:
    """Only the ledgers that exist match, so a mistyped ledger is a plain 404."""

    regex = "|".join(Ledger.values)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)


register_converter(LedgerConverter, "ledger")

urlpatterns = [
    path("units/<int:pk>/ledgers/", views.book, name="book"),
    path("units/<int:pk>/ledgers/export/", read_views.book_export, name="book_export"),
    path("units/<int:pk>/ledgers/rectification/raise/", views.rectification_raise, name="rectification_raise"),
    path("units/<int:pk>/ledgers/<ledger:ledger>/new/", views.row_create, name="row_create"),
    path("units/<int:pk>/ledgers/<ledger:ledger>/export/", read_views.ledger_export, name="ledger_export"),
    path("ledgers/<ledger:ledger>/<int:pk>/", views.row_detail, name="row_detail"),
    path("ledgers/<ledger:ledger>/<int:pk>/edit/", views.row_edit, name="row_edit"),
    path("ledgers/<ledger:ledger>/<int:pk>/delete/", views.row_delete, name="row_delete"),
    path("ledgers/rectification/<int:pk>/milestones/", views.milestone_add, name="milestone_add"),
    path("ledgers/rectification/<int:pk>/close/", views.close_request, name="close_request"),
    path("ledgers/rectification/<int:pk>/review/", views.close_review, name="close_review"),
    path("ledgers/milestones/<int:pk>/reach/", views.milestone_reach, name="milestone_reach"),
    path("ledgers/evidence/<int:pk>/", read_views.evidence_download, name="evidence_download"),
    path("ledgers/institutions/<int:pk>/document/", read_views.document_download, name="document_download"),
    path("ledgers/crowding/", read_views.crowding, name="crowding"),
    path("ledgers/crowding/refresh/", read_views.crowding_refresh_view, name="crowding_refresh"),
]
