from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from tracker.work.models import Entry, Evidence, Task, TaskEvent


@admin.register(Task)
class TaskAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "unit", "measure", "status", "due_on", "progress"]
    list_filter = ["status", "measure", "campaign"]
    search_fields = ["title", "unit__name", "template__title_zh"]
    raw_id_fields = ["unit", "template", "owner", "created_by"]
    list_select_related = ["unit", "measure", "template"]


@admin.register(Entry)
class EntryAdmin(SimpleHistoryAdmin):
    list_display = ["task", "occurred_on", "author", "percent", "deleted_at"]
    list_filter = [("deleted_at", admin.EmptyFieldListFilter)]
    raw_id_fields = ["task", "author"]
    list_select_related = ["task__template", "author"]

    def get_queryset(self, request):
        # The admin audits: deleted entries stay visible here.
        return Entry.all_objects.select_related("task__template", "author")


@admin.register(Evidence)
class EvidenceAdmin(SimpleHistoryAdmin):
    list_display = ["original_name", "entry", "size", "uploaded_at"]
    raw_id_fields = ["entry"]


@admin.register(TaskEvent)
class TaskEventAdmin(admin.ModelAdmin):
    list_display = ["task", "kind", "actor", "created_at"]
    raw_id_fields = ["task", "actor"]
