"""Settings of directory login (LDAP / Active Directory), read from the environment.

Kept apart from `directory.py` because the settings module reads it before Django's apps are
loaded: nothing here may import a model. Directory login is off unless LDAP_SERVER_URI is set;
python-ldap (requirements-ldap.txt) is only imported then.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

BACKEND = "tracker.accounts.directory.DirectoryBackend"


def _flag(environ: Mapping[str, str], name: str) -> bool:
    return environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def directory_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    """The AUTH_LDAP_* settings for django-auth-ldap, or {} when no directory is configured.

    LDAP_SERVER_URI       ldap://dc1.example.gov:389 (several, space-separated, are tried in turn)
    LDAP_BIND_DN          the service account that searches (empty: anonymous search)
    LDAP_BIND_PASSWORD
    LDAP_USER_BASE        where people are searched, e.g. ou=people,dc=example,dc=gov
    LDAP_USER_FILTER      (uid=%(user)s) by default; Active Directory: (sAMAccountName=%(user)s)
    LDAP_START_TLS        1 to upgrade the connection with StartTLS
    LDAP_CA_FILE          CA certificate to verify the directory's certificate
    LDAP_TIMEOUT          seconds before the directory counts as unreachable (default 5)
    LDAP_EMPLOYEE_ID_ATTR the directory attribute holding the employee id (e.g. employeeNumber):
                          people are then matched to accounts by the import's 工号, not by username
    """
    uri = environ.get("LDAP_SERVER_URI", "").strip()
    if not uri:
        return {}
    import ldap
    from django_auth_ldap.config import LDAPSearch

    timeout = int(environ.get("LDAP_TIMEOUT", "5"))
    options: dict[int, Any] = {
        ldap.OPT_NETWORK_TIMEOUT: timeout,
        ldap.OPT_TIMEOUT: timeout,
        ldap.OPT_REFERRALS: 0,  # Active Directory's referrals make searches hang
    }
    if environ.get("LDAP_CA_FILE"):
        options[ldap.OPT_X_TLS_CACERTFILE] = environ["LDAP_CA_FILE"]
        options[ldap.OPT_X_TLS_NEWCTX] = 0
    return {
        "AUTH_LDAP_SERVER_URI": uri,
        "AUTH_LDAP_BIND_DN": environ.get("LDAP_BIND_DN", ""),
        "AUTH_LDAP_BIND_PASSWORD": environ.get("LDAP_BIND_PASSWORD", ""),
        "AUTH_LDAP_USER_SEARCH": LDAPSearch(
            environ.get("LDAP_USER_BASE", ""),
            ldap.SCOPE_SUBTREE,
            environ.get("LDAP_USER_FILTER", "(uid=%(user)s)"),
        ),
        "AUTH_LDAP_START_TLS": _flag(environ, "LDAP_START_TLS"),
        "AUTH_LDAP_CONNECTION_OPTIONS": options,
        # The directory proves who someone is; the office's import decides who has an account and
        # which unit and role it has. Nobody gets an account by existing in the directory, and a
        # directory login changes nothing in the imported account.
        "AUTH_LDAP_NO_NEW_USERS": True,
        "AUTH_LDAP_ALWAYS_UPDATE_USER": False,
        "AUTH_LDAP_MIRROR_GROUPS": False,
        # Read by tracker.accounts.directory.DirectoryBackend (not a django-auth-ldap setting).
        "LDAP_EMPLOYEE_ID_ATTR": environ.get("LDAP_EMPLOYEE_ID_ATTR", "").strip(),
    }
