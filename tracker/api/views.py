"""The read API (/api/v1/): progress by unit and measure, tasks, ledgers and lights of a campaign.

Every endpoint reads through the same selectors and scope as the pages: a token acts with its
person's roles, and another scope's unit or task is a 404 exactly as in the UI. Lists are paged
(`?page=`, 100 a page); `?campaign=CODE` picks the campaign (default: the current one).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics

from tracker.api import serializers
from tracker.campaigns.models import Campaign
from tracker.campaigns.selectors import current_campaign
from tracker.dashboards.selectors.overview import measure_rollups
from tracker.dashboards.selectors.units import UnitFilters, unit_rollups
from tracker.ledgers.registry import LEDGERS
from tracker.work.lights import LightRule
from tracker.work.selectors import task_list

CAMPAIGN = OpenApiParameter("campaign", OpenApiTypes.STR, description="Campaign code (default: the current campaign)")
UNIT = OpenApiParameter("unit", OpenApiTypes.INT, description="Only this unit (a unit out of scope gives nothing)")


class CampaignScoped:
    """Resolves `?campaign=` once per request; an unknown code is a 404."""

    request: Any

    def campaign(self) -> Campaign:
        cached = getattr(self, "_campaign", None)
        if cached is not None:
            return cached
        code = self.request.query_params.get("campaign", "").strip()
        campaign = Campaign.objects.filter(code=code).first() if code else current_campaign()
        if campaign is None:
            raise Http404("no such campaign")
        self._campaign = campaign
        return campaign

    def rule(self) -> LightRule:
        return LightRule.for_campaign(self.campaign())

    def unit_param(self) -> int | None:
        value = self.request.query_params.get("unit", "")
        return int(value) if value.isdigit() else None


class CampaignList(generics.ListAPIView):
    """Campaigns, newest first."""

    serializer_class = serializers.CampaignSerializer
    queryset = Campaign.objects.order_by("-starts_on", "code")


@extend_schema(parameters=[CAMPAIGN])
class UnitProgressList(CampaignScoped, generics.ListAPIView):
    """Units in the token's scope with their progress and light, in ranking order."""

    serializer_class = serializers.UnitProgressSerializer

    def get_queryset(self) -> QuerySet[Any]:
        return unit_rollups(
            user=self.request.user, campaign=self.campaign(), rule=self.rule(), filters=UnitFilters(), ranked=False
        )


@extend_schema(parameters=[CAMPAIGN])
class UnitProgressDetail(CampaignScoped, generics.RetrieveAPIView):
    """One unit's progress and light (404 outside the token's scope)."""

    serializer_class = serializers.UnitProgressSerializer

    def get_queryset(self) -> QuerySet[Any]:
        return unit_rollups(
            user=self.request.user, campaign=self.campaign(), rule=self.rule(), filters=UnitFilters(), ranked=False
        )


@extend_schema(parameters=[CAMPAIGN])
class MeasureProgressList(CampaignScoped, generics.ListAPIView):
    """Progress by measure over the token's scope."""

    serializer_class = serializers.MeasureProgressSerializer

    def get_queryset(self) -> QuerySet[Any]:
        return measure_rollups(user=self.request.user, campaign=self.campaign(), rule=self.rule())


@extend_schema(
    parameters=[
        CAMPAIGN,
        UNIT,
        OpenApiParameter("status", OpenApiTypes.STR, description="not_started, in_progress, submitted, done, returned"),
        OpenApiParameter("measure", OpenApiTypes.STR, description="Measure code"),
    ]
)
class TaskList(CampaignScoped, generics.ListAPIView):
    """Tasks in the token's scope with status, progress, due date and light."""

    serializer_class = serializers.TaskSerializer

    def get_queryset(self) -> QuerySet[Any]:
        tasks = task_list(user=self.request.user, campaign=self.campaign(), rule=self.rule())
        if (unit := self.unit_param()) is not None:
            tasks = tasks.filter(unit_id=unit)
        if status := self.request.query_params.get("status", "").strip():
            tasks = tasks.filter(status=status)
        if measure := self.request.query_params.get("measure", "").strip():
            tasks = tasks.filter(measure__code=measure)
        return tasks.order_by("unit_id", "due_on", "id")


@extend_schema(parameters=[CAMPAIGN])
class TaskDetail(CampaignScoped, generics.RetrieveAPIView):
    """One task (404 outside the token's scope)."""

    serializer_class = serializers.TaskSerializer

    def get_queryset(self) -> QuerySet[Any]:
        return task_list(user=self.request.user, campaign=self.campaign(), rule=self.rule())


@extend_schema(parameters=[CAMPAIGN, UNIT])
class LedgerRowList(CampaignScoped, generics.ListAPIView):
    """Live rows of one ledger (rectification, topics, visits, …) in the token's scope."""

    serializer_class = serializers.LedgerRowSerializer

    def get_queryset(self) -> QuerySet[Any]:
        spec = LEDGERS.get(self.kwargs["ledger"])
        if spec is None:
            raise Http404("no such ledger")
        rows = spec.model.objects.for_user(self.request.user).filter(campaign=self.campaign())
        if (unit := self.unit_param()) is not None:
            rows = rows.filter(unit_id=unit)
        return rows.order_by("unit_id", "id")
