from django.contrib import admin
from django.db import transaction
from simple_history.admin import SimpleHistoryAdmin

from tracker.campaigns.models import Campaign, Measure, TaskTemplate


@admin.register(Campaign)
class CampaignAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name_zh", "starts_on", "ends_on", "is_active"]


@admin.register(Measure)
class MeasureAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name_zh", "name_en", "order"]


@admin.register(TaskTemplate)
class TaskTemplateAdmin(SimpleHistoryAdmin):
    list_display = ["code", "title_zh", "measure", "recurrence", "weight", "is_active"]
    list_filter = ["campaign", "measure", "recurrence", "is_active"]
    search_fields = ["code", "title_zh", "title_en"]
    filter_horizontal = ["categories"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        from tracker.work.instantiation import tasks_generate

        # Categories are saved only now, so the new template's tasks are generated after them.
        template = form.instance
        transaction.on_commit(lambda: tasks_generate(campaign=template.campaign, templates=[template]))
