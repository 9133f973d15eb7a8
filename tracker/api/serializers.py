"""What the read API returns: plain JSON shapes, documented in the OpenAPI schema (/api/schema/)."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from rest_framework import serializers

from tracker.campaigns.models import Campaign, Measure
from tracker.orgs.models import Unit
from tracker.work.models import Task


class CampaignSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campaign
        fields = ["code", "name_zh", "name_en", "starts_on", "ends_on", "is_active"]


class RollupMixin(serializers.Serializer):
    """A roll-up: tasks, done, submitted, red, yellow, percent done and the light."""

    tasks = serializers.IntegerField(source="task_total")
    done = serializers.IntegerField(source="task_done")
    submitted = serializers.IntegerField(source="task_submitted")
    red = serializers.IntegerField(source="task_red")
    yellow = serializers.IntegerField(source="task_yellow")
    percent = serializers.IntegerField(source="task_percent")
    light = serializers.CharField(source="task_light")


class UnitProgressSerializer(RollupMixin, serializers.ModelSerializer):
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "code", "name", "level", "parent", "category", "path", *RollupMixin._declared_fields]


class MeasureProgressSerializer(RollupMixin, serializers.ModelSerializer):
    class Meta:
        model = Measure
        fields = ["code", "name_zh", "name_en", "order", *RollupMixin._declared_fields]


class TaskSerializer(serializers.ModelSerializer):
    unit = serializers.IntegerField(source="unit_id")
    measure = serializers.SlugRelatedField(slug_field="code", read_only=True)
    template = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    title = serializers.CharField(source="display_title")
    light = serializers.CharField()

    class Meta:
        model = Task
        fields = [
            "id",
            "unit",
            "measure",
            "template",
            "title",
            "period_starts_on",
            "period_ends_on",
            "due_on",
            "status",
            "progress",
            "entry_count",
            "last_entry_on",
            "light",
            "updated_at",
        ]


class LedgerRowSerializer(serializers.Serializer):
    """One ledger row: its own fields by name (relations as ids), the same for every ledger."""

    id = serializers.IntegerField()
    unit = serializers.IntegerField(source="unit_id")
    values = serializers.SerializerMethodField()

    def get_values(self, row: Model) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for field in row._meta.concrete_fields:
            if field.name in {"id", "unit", "campaign", "deleted_at", "deleted_by"}:
                continue
            value = getattr(row, field.attname)
            values[field.attname] = value.isoformat() if hasattr(value, "isoformat") else value
        return values
