from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from tracker.orgs.models import GuidanceGroup, RoleAssignment, Unit, UnitCategory
from tracker.orgs.services import unit_create


@admin.register(UnitCategory)
class UnitCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "order"]


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "level", "category", "parent", "participates"]
    list_filter = ["level", "category", "participates"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path", "depth"]

    def get_readonly_fields(self, request, obj=None):
        # Moving a unit would have to rewrite its subtree's paths; not offered here.
        return [*self.readonly_fields, "parent"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = unit_create(
            name=obj.name,
            code=obj.code,
            level=obj.level,
            parent=obj.parent,
            category=obj.category,
            participates=obj.participates,
        )
        obj.pk, obj.path, obj.depth = created.pk, created.path, created.depth
        obj._state.adding = False


@admin.register(GuidanceGroup)
class GuidanceGroupAdmin(SimpleHistoryAdmin):
    list_display = ["name"]
    filter_horizontal = ["units"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(SimpleHistoryAdmin):
    list_display = ["user", "role", "unit", "guidance_group"]
    list_filter = ["role"]
    autocomplete_fields = ["user", "unit"]
