from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from tracker.reminders.models import Notification, OutboxMail, ReminderPreference


@admin.register(OutboxMail)
class OutboxMailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "to_email", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "language"]
    search_fields = ["to_email", "subject", "last_error"]
    raw_id_fields = ["recipient"]
    readonly_fields = ["batch", "created_at", "sent_at"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: a decided reminder is a fact; deleting one would let it be sent again."""

    list_display = ["created_at", "recipient", "kind", "key", "on_date"]
    list_filter = ["kind", "on_date"]
    search_fields = ["key", "recipient__username"]
    list_select_related = ["recipient"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReminderPreference)
class ReminderPreferenceAdmin(SimpleHistoryAdmin):
    list_display = ["user", "receive_digests"]
    list_filter = ["receive_digests"]
    raw_id_fields = ["user"]
