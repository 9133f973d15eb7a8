from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from tracker.core.models import WorkdayOverride


@admin.register(WorkdayOverride)
class WorkdayOverrideAdmin(SimpleHistoryAdmin):
    list_display = ["date", "is_workday", "note"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"
    search_fields = ["note"]
