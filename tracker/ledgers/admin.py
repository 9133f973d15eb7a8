from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from tracker.ledgers.models import (
    ConversionItem,
    Institution,
    PracticalDeed,
    RectificationItem,
    ResearchReport,
    ResearchTopic,
    ResearchVisit,
    StudySession,
)


class LedgerAdmin(SimpleHistoryAdmin):
    """Admins see deleted rows too (all_objects), so a row deleted by mistake can be found."""

    list_display = ["__str__", "unit", "deleted_at"]
    list_filter = ["campaign"]
    raw_id_fields = ["unit", "created_by"]
    list_select_related = ["unit"]

    def get_queryset(self, request):
        return self.model.all_objects.select_related("unit")


for model in (
    ConversionItem,
    Institution,
    PracticalDeed,
    RectificationItem,
    ResearchReport,
    ResearchTopic,
    ResearchVisit,
    StudySession,
):
    admin.site.register(model, LedgerAdmin)
