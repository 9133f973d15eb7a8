"""The doors to directives rows: through the user's scope (404 outside it), then the right needed.

A 交办's board and a notice's receipts are for those who oversee the units concerned: the office
(its subtree), the guidance group (its units) and the leadership group (read only). A unit's own
people reach their copy of a 交办 (`AssignmentTarget`), its threads, extensions and 批示 through
the unit, as any other unit row.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from tracker.core.types import AnyUser
from tracker.directives.models import (
    Assignment,
    AssignmentTarget,
    ExtensionRequest,
    Instruction,
    Notice,
    Thread,
    ThreadFile,
)
from tracker.orgs.access import access
from tracker.orgs.models import Role, Unit
from tracker.orgs.scope import Need, Scope, scope_for


def oversight_q(scope: Scope, prefix: str = "") -> Q:
    """Units the user oversees: reviews (office, guide) or reads as a whole subtree (leadership)."""
    if scope.is_superuser:
        return Q()
    q = scope.review_q(prefix)
    for path in scope.read_paths:
        q |= Q(**{f"{prefix}path__startswith": path})
    return q


def oversees_anything(scope: Scope) -> bool:
    return scope.reviews_anything or bool(scope.read_paths)


def require_issuer(user: AnyUser) -> Scope:
    """The office and guides issue 交办 (each within the units it reviews)."""
    scope = scope_for(user)
    if not scope.reviews_anything:
        raise PermissionDenied(_("Only the office or a guidance group can issue an assignment."))
    return scope


def require_publisher(user: AnyUser) -> Scope:
    scope = scope_for(user)
    if not scope.manages_units:
        raise PermissionDenied(_("Only the leadership group office can publish notices."))
    return scope


def is_leader(scope: Scope) -> bool:
    return scope.is_superuser or Role.LEADERSHIP.value in scope.roles


def assignments_for(user: AnyUser) -> QuerySet[Assignment]:
    """The 交办 whose board the user may open: issued by them, or sent to a unit they oversee."""
    scope = scope_for(user)
    if not oversees_anything(scope):
        return Assignment.objects.none()
    targets = AssignmentTarget.objects.filter(oversight_q(scope, "unit__"), assignment=OuterRef("pk"))
    return Assignment.objects.filter(Q(issued_by=user.pk) | Q(Exists(targets)))


def access_assignment(user: AnyUser, pk: int) -> Assignment:
    try:
        return assignments_for(user).select_related("issued_by").get(pk=pk)
    except Assignment.DoesNotExist:
        raise Http404("assignment") from None


def access_target(user: AnyUser, pk: int, need: Need = "view") -> AssignmentTarget:
    targets = AssignmentTarget.objects.select_related("assignment__issued_by", "unit", "task", "acknowledged_by")
    return access(targets, user, need, pk=pk)


def notices_for(user: AnyUser, *, own_paths: list[str] | None = None) -> QuerySet[Notice]:
    """Notices sent to the user's units (published above them), or to units the user oversees.

    `own_paths`, when the caller has them, are the paths of the units the user reads one by one.
    """
    scope = scope_for(user)
    if scope.is_superuser:
        return Notice.objects.all()
    if own_paths is None:
        own_paths = list(Unit.objects.filter(pk__in=sorted(scope.read_unit_ids)).values_list("path", flat=True))
    prefixes = {p for path in [*own_paths, *scope.read_paths] for p in path_prefixes(path)}
    q = Q(root__path__in=sorted(prefixes)) | Q(issued_by=user.pk)
    for path in scope.read_paths:
        q |= Q(root__path__startswith=path)
    return Notice.objects.filter(q)


def access_notice(user: AnyUser, pk: int) -> Notice:
    try:
        return notices_for(user).select_related("issued_by", "root").get(pk=pk)
    except Notice.DoesNotExist:
        raise Http404("notice") from None


def path_prefixes(path: str) -> list[str]:
    """ "/1/7/" → ["/1/", "/1/7/"]: the paths of a unit and of every unit above it."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def access_extension(user: AnyUser, pk: int, need: Need = "view") -> ExtensionRequest:
    rows = ExtensionRequest.objects.select_related("task__unit", "task__campaign", "requested_by", "decided_by")
    return access(rows, user, need, pk=pk)


def access_thread(user: AnyUser, pk: int, need: Need = "view") -> Thread:
    return access(Thread.objects.select_related("unit", "raised_by"), user, need, pk=pk)


def access_thread_file(user: AnyUser, pk: int) -> ThreadFile:
    return access(ThreadFile.objects.all(), user, pk=pk)


def access_instruction(user: AnyUser, pk: int, need: Need = "view") -> Instruction:
    rows = Instruction.objects.select_related("unit", "task", "thread", "problem", "author", "acknowledged_by")
    return access(rows, user, need, pk=pk)
