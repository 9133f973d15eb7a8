"""History of user accounts: who disabled an account, changed its name or its flags, and when.

Roles are recorded by tracker.orgs (RoleAssignment); this covers the account row itself.
Password hashes are kept out of the history on purpose.
"""

from django.contrib.auth import get_user_model
from simple_history import register

register(get_user_model(), app="tracker.accounts", excluded_fields=["password", "last_login"])
