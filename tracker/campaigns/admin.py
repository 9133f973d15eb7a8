from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from tracker.campaigns.models import Campaign, Measure

# Task templates are registered by tracker.work.admin: saving one generates its missing tasks.


@admin.register(Campaign)
class CampaignAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name_zh", "starts_on", "ends_on", "is_active"]


@admin.register(Measure)
class MeasureAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name_zh", "name_en", "order"]
