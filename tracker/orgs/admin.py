from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from tracker.orgs.models import GuidanceGroup, RoleAssignment, UnitCategory

# Units are registered by tracker.work.admin: saving one generates the tasks it is missing.


@admin.register(UnitCategory)
class UnitCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "order"]


@admin.register(GuidanceGroup)
class GuidanceGroupAdmin(SimpleHistoryAdmin):
    list_display = ["name"]
    filter_horizontal = ["units"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(SimpleHistoryAdmin):
    list_display = ["user", "role", "unit", "guidance_group"]
    list_filter = ["role"]
    autocomplete_fields = ["user", "unit"]
