"""The queryset every scoped model uses: `Model.objects.for_user(user)` (cf. NetBox's RestrictedQuerySet)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.db import models

if TYPE_CHECKING:
    from tracker.core.types import AnyUser


class ScopedQuerySet(models.QuerySet):
    """Rows whose unit lies in the user's scope; `unit_path` says how to reach that unit."""

    # Lookup from this model to its Unit, ending in "__" ("" for Unit itself).
    unit_path = "unit__"

    def for_user(self, user: AnyUser) -> Self:
        from tracker.orgs.scope import scope_for  # scope imports the models that use this class

        return self.filter(scope_for(user).unit_q(self.unit_path))
