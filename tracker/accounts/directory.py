"""Directory login: people log in with their directory (LDAP / AD) password, as imported accounts.

django-auth-ldap does the bind and search; this backend adds what the office needs:
- a directory person is matched to the account the office imported, by username (case-insensitive,
  as directories compare names), or, when LDAP_EMPLOYEE_ID_ATTR is set, by the employee id (工号)
  of the user import; someone in the directory without an account cannot log in;
- a deactivated account stays out, whatever the directory says;
- when the directory cannot be reached, the request is marked so the login page can say so, and
  the next backend (local passwords) still answers: local accounts keep working during an outage.
Lockout (django-axes) runs before this backend, as for local passwords.
"""

from __future__ import annotations

import logging
from typing import Any

import ldap
from django.conf import settings
from django.contrib.auth import get_user_model
from django.dispatch import receiver
from django.http import HttpRequest
from django_auth_ldap.backend import LDAPBackend, ldap_error

from tracker.accounts.forms import OUTAGE_FLAG

log = logging.getLogger(__name__)

UNREACHABLE = (ldap.SERVER_DOWN, ldap.TIMEOUT, ldap.CONNECT_ERROR)


class DirectoryBackend(LDAPBackend):
    """django-auth-ldap's backend with AUTH_LDAP_NO_NEW_USERS (settings): it finds the imported
    account by username, case-insensitively, and refuses a directory person without one."""

    def get_or_build_user(self, username: str, ldap_user: Any) -> tuple[Any, bool]:
        attribute = getattr(settings, "LDAP_EMPLOYEE_ID_ATTR", "")
        if not attribute:
            return super().get_or_build_user(username, ldap_user)
        # Matched by employee id only: a directory person without one, or with one no account holds,
        # gets an unsaved account, which AUTH_LDAP_NO_NEW_USERS refuses (never the same username).
        values = ldap_user.attrs.get(attribute) or []
        employee_id = str(values[0]).strip() if values else ""
        model = get_user_model()
        user = model.objects.filter(directory_link__employee_id=employee_id).first() if employee_id else None
        if user is None:
            return model(username=username), True
        return user, False

    def user_can_authenticate(self, user: Any) -> bool:
        return bool(getattr(user, "is_active", False))

    def authenticate_ldap_user(self, ldap_user: Any, password: str) -> Any:
        user = super().authenticate_ldap_user(ldap_user, password)
        if user is not None and not self.user_can_authenticate(user):
            return None
        return user


@receiver(ldap_error)
def _note_outage(
    sender: Any, context: str, exception: Exception, request: HttpRequest | None = None, **kwargs: Any
) -> None:
    if isinstance(exception, UNREACHABLE):
        log.warning("directory unreachable during %s: %s", context, exception.__class__.__name__)
        if request is not None:
            setattr(request, OUTAGE_FLAG, True)
