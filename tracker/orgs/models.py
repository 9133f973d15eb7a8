"""The unit tree, unit categories, guidance groups and the roles that scope every read."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tracker.core.models import Bilingual, TimeStamped
from tracker.orgs.querysets import ScopedQuerySet


class UnitCategory(Bilingual):
    """A kind of unit (机关, 高校, 村（社区）…); templates apply by category (分类指导)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("unit category")
        verbose_name_plural = _("unit categories")


class UnitLevel(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    UNIT = "unit", _("Unit")
    SUBUNIT = "subunit", _("Sub-unit")


class UnitQuerySet(ScopedQuerySet):
    unit_path = ""

    def subtree(self, unit: Unit) -> UnitQuerySet:
        return self.filter(path__startswith=unit.path)


class Unit(TimeStamped):
    """An organisation taking part in the campaign, placed in the city → district → unit tree.

    `path` is a materialised path of zero-padded primary keys ("/00000001/00000007/"), so a
    whole subtree is one indexed prefix match instead of a recursive query, and ordering by
    path lists a parent before its children.
    """

    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(_("code"), max_length=60, unique=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent unit"),
    )
    level = models.CharField(_("level"), max_length=10, choices=UnitLevel.choices)
    category = models.ForeignKey(
        UnitCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
        verbose_name=_("category"),
    )
    participates = models.BooleanField(
        _("takes part"),
        default=True,
        help_text=_("Units that take part get the campaign's tasks for their category."),
    )
    path = models.CharField(max_length=255, editable=False, db_index=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)

    objects = UnitQuerySet.as_manager()

    # path/depth are derived from parent and written by a queryset update; not history material.
    history = HistoricalRecords(excluded_fields=["path", "depth", "updated_at"])

    class Meta:
        ordering = ["path"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        indexes = [
            models.Index(fields=["path"], name="unit_path_prefix", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name


class GuidanceGroup(TimeStamped):
    """A roving guidance group (巡回指导组) that supervises a set of units."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    units = models.ManyToManyField(Unit, related_name="guidance_groups", blank=True, verbose_name=_("units"))

    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[units])

    class Meta:
        ordering = ["name"]
        verbose_name = _("guidance group")
        verbose_name_plural = _("guidance groups")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    STAFF = "staff", _("Unit staff")
    UNIT_LEADER = "unit_leader", _("Unit leader")
    GUIDE = "guide", _("Guidance group member")
    OFFICE = "office", _("Leadership group office")
    LEADERSHIP = "leadership", _("Leadership group member")


# Roles whose scope is a whole subtree below their unit (an office sees its district and below).
SUBTREE_ROLES = {Role.OFFICE, Role.LEADERSHIP}


class RoleAssignment(TimeStamped):
    """One role a user holds, anchored to a unit (or, for guides, to a guidance group)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("unit"),
    )
    guidance_group = models.ForeignKey(
        GuidanceGroup,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("guidance group"),
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.CheckConstraint(
                name="role_anchor_matches_role",
                condition=(
                    Q(role=Role.GUIDE, guidance_group__isnull=False, unit__isnull=True)
                    | (~Q(role=Role.GUIDE) & Q(unit__isnull=False, guidance_group__isnull=True))
                ),
            ),
            models.UniqueConstraint(fields=["user", "role", "unit", "guidance_group"], name="role_assignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit or self.guidance_group}"
