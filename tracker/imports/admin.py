from django.contrib import admin

from tracker.imports.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Read-only: jobs are written by the import service; the admin is for looking into a failure."""

    list_display = ["file_name", "kind", "status", "created_by", "total", "done", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    search_fields = ["file_name", "created_by__username"]
    exclude = ["rows"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
