"""Directory login: people log in with their directory (LDAP / AD) password, as imported accounts.

django-auth-ldap does the bind and search; this backend adds what the office needs:
- a directory person is matched to the account the office imported, by username (case-insensitive,
  as directories compare names); someone in the directory without an account cannot log in;
- a deactivated account stays out, whatever the directory says;
- when the directory cannot be reached, the request is marked so the login page can say so, and
  the next backend (local passwords) still answers: local accounts keep working during an outage.
Lockout (django-axes) runs before this backend, as for local passwords.
"""

from __future__ import annotations

import logging
from typing import Any

import ldap
from django.dispatch import receiver
from django.http import HttpRequest
from django_auth_ldap.backend import LDAPBackend, ldap_error

from tracker.accounts.forms import OUTAGE_FLAG

log = logging.getLogger(__name__)

UNREACHABLE = (ldap.SERVER_DOWN, ldap.TIMEOUT, ldap.CONNECT_ERROR)


class DirectoryBackend(LDAPBackend):
    """django-auth-ldap's backend with AUTH_LDAP_NO_NEW_USERS (settings): it finds the imported
    account by username, case-insensitively, and refuses a directory person without one."""

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
