"""History of user accounts: who disabled an account, changed its name or its flags, and when;
and the employee id (工号) that links an account to its directory person.

Roles are recorded by tracker.orgs (RoleAssignment); this covers the account row itself.
Password hashes are kept out of the history on purpose.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history import register

register(get_user_model(), app="tracker.accounts", excluded_fields=["password", "last_login"])


class DirectoryLink(models.Model):
    """The employee id (工号) of an account, from the user import's optional column.

    When LDAP_EMPLOYEE_ID_ATTR is set (e.g. employeeNumber), a directory person logs in as the
    account holding the same employee id, whatever the two usernames are (tracker.accounts.directory).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="directory_link", verbose_name=_("account")
    )
    employee_id = models.CharField(_("employee id"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("directory link")
        verbose_name_plural = _("directory links")

    def __str__(self) -> str:
        return f"{self.employee_id} → {self.user_id}"
