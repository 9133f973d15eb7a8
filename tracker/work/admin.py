"""Admin for tasks, and for the units and templates whose saves generate tasks.

Units and task templates live in orgs and campaigns, but their admins are here: saving either
must generate the tasks it is missing, and task generation is this app's.
"""

from __future__ import annotations

from django.contrib import admin
from django.db import transaction
from django.forms import ModelForm
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from tracker.campaigns.models import TaskTemplate
from tracker.orgs.models import Unit
from tracker.work import services
from tracker.work.instantiation import tasks_generate
from tracker.work.models import Entry, Evidence, Task, TaskEvent


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "level", "category", "parent", "participates"]
    list_filter = ["level", "category", "participates"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path", "depth"]

    def get_readonly_fields(self, request: HttpRequest, obj: Unit | None = None) -> list[str]:
        # Moving a unit would have to rewrite its subtree's paths; the import finds units by code.
        return [*self.readonly_fields, "parent", "code"] if obj else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Unit, form: ModelForm, change: bool) -> None:
        # Through the services, so a unit that now takes part or changed category gets its tasks.
        if change:
            services.unit_update(
                unit=Unit.objects.get(pk=obj.pk),
                name=obj.name,
                level=obj.level,
                category=obj.category,
                participates=obj.participates,
            )
            return
        created = services.unit_create(
            name=obj.name,
            code=obj.code,
            level=obj.level,
            parent=obj.parent,
            category=obj.category,
            participates=obj.participates,
        )
        obj.pk, obj.path, obj.depth = created.pk, created.path, created.depth
        obj._state.adding = False


@admin.register(TaskTemplate)
class TaskTemplateAdmin(SimpleHistoryAdmin):
    list_display = ["code", "title_zh", "measure", "recurrence", "weight", "is_active"]
    list_filter = ["campaign", "measure", "recurrence", "is_active"]
    search_fields = ["code", "title_zh", "title_en"]
    filter_horizontal = ["categories"]
    # The editor (tracker/editor) is where the office changes templates; the admin edits no version.
    exclude = ["version"]
    raw_id_fields = ["owner_unit"]

    def save_related(self, request: HttpRequest, form: ModelForm, formsets: list, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Categories are saved only now, so the new template's tasks are generated after them.
        template = form.instance
        transaction.on_commit(lambda: tasks_generate(campaign=template.campaign, templates=[template]))


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
