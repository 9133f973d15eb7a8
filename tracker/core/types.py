"""Type names shared by signatures across the apps.

`User` is the project's user model: Django's own (AUTH_USER_MODEL is not swapped), so the Django
plugin of mypy knows its fields and the foreign keys that point at it. `AnyUser` is whoever makes
a request, signed in or not (`request.user`), which is what the access rule accepts.
`AuthedRequest` is the request a view behind `login_required` receives, with django-htmx's details.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from django.contrib.auth.models import AnonymousUser, User
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

AnyUser: TypeAlias = User | AnonymousUser
# An uploaded file as a form or the test client hands it over.
Upload: TypeAlias = "UploadedFile[Any]"


class AuthedRequest(HttpRequest):
    """For annotations only: Django builds the request; login_required guarantees the user."""

    user: User
    htmx: HtmxDetails


__all__ = ["AnyUser", "AuthedRequest", "Upload", "User"]
