"""Who may read and change required actions (see tracker.orgs.access for the pattern).

The editor is the office's: users without dashboards get a 404 as on every dashboard page, the
others (guides, unit leaders, leadership) a 403. An office sees the campaign-wide templates and
those owned by units in its subtree; a template owned by another district is not found (404).
A campaign-wide template is changed only by the city-level office, a local one by the office
responsible for its owner unit (分类指导 at every level).
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from tracker.campaigns.models import TaskTemplate
from tracker.core.types import AnyUser
from tracker.editor.models import TemplateChange
from tracker.orgs.access import is_city_office
from tracker.orgs.models import Role
from tracker.orgs.scope import log, scope_for


def require_editor(user: AnyUser) -> None:
    scope = scope_for(user)
    if not scope.sees_dashboards:
        raise Http404
    if not (scope.is_superuser or (Role.OFFICE in scope.roles and scope.manage_paths)):
        raise PermissionDenied(_("Only the office edits the required actions."))


def owned_q(user: AnyUser, prefix: str = "") -> Q:
    """Templates the user may see in the editor: campaign-wide ones and those of its subtree."""
    scope = scope_for(user)
    q = Q(**{f"{prefix}owner_unit__isnull": True})
    if scope.is_superuser:
        return Q()
    for path in scope.manage_paths:
        q |= Q(**{f"{prefix}owner_unit__path__startswith": path})
    return q


def editor_templates(user: AnyUser) -> QuerySet[TaskTemplate]:
    return TaskTemplate.objects.filter(owned_q(user))


def change_checker(user: AnyUser) -> Callable[[TaskTemplate], bool]:
    """A test whether the user may change a template (the city-level question asked once)."""
    scope = scope_for(user)
    city = is_city_office(user)

    def may_change(template: TaskTemplate) -> bool:
        return city if template.owner_unit is None else scope.can_manage(template.owner_unit)

    return may_change


def access_template(user: AnyUser, pk: int, *, change: bool = False) -> TaskTemplate:
    require_editor(user)
    template = editor_templates(user).select_related("owner_unit", "measure", "campaign").filter(pk=pk).first()
    if template is None:
        log.warning("out-of-scope or missing template %s requested by user %s", pk, user.pk)
        raise Http404("template not in scope")
    if change and not change_checker(user)(template):
        raise PermissionDenied(_("This required action belongs to a higher level; it is read-only to you."))
    return template


def access_change(user: AnyUser, pk: int) -> TemplateChange:
    """A proposed change is its proposer's (a superuser sees all)."""
    require_editor(user)
    changes = TemplateChange.objects.select_related("template__owner_unit", "campaign", "created_by", "job")
    if not scope_for(user).is_superuser:
        changes = changes.filter(created_by_id=user.pk)
    row = changes.filter(pk=pk).first()
    if row is None:
        log.warning("out-of-scope or missing template change %s requested by user %s", pk, user.pk)
        raise Http404("change not found")
    return row
