from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from tracker.notify.models import Delivery, Item, Profile


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["subject", "recipient", "kind", "key", "step", "created_at", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient", "created_by"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["item", "channel", "address", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["channel", "status"]
    raw_id_fields = ["item"]


@admin.register(Profile)
class ProfileAdmin(SimpleHistoryAdmin):
    list_display = ["user", "wecom_id", "dingtalk_id", "mobile"]
    raw_id_fields = ["user"]
