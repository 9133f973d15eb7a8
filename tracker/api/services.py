"""Making and revoking API tokens (`manage.py api_token`)."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from tracker.api.models import ApiToken
from tracker.core.types import User

PREFIX_BYTES = 6
SECRET_BYTES = 32


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_token(raw: str) -> tuple[str, str] | None:
    """'ct_<prefix>_<secret>' → (prefix, secret), or None for anything else."""
    parts = raw.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != "ct" or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for the person; returns the row and the full token, which is never stored."""
    if not user.is_active:
        raise ValueError(f"{user.get_username()} is disabled")
    prefix = secrets.token_hex(PREFIX_BYTES)
    secret = secrets.token_urlsafe(SECRET_BYTES).replace("_", "-")
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name.strip()[:100] or "api", prefix=prefix, digest=digest_of(secret)
        )
    return token, f"ct_{prefix}_{secret}"


def api_token_revoke(*, prefix: str) -> ApiToken:
    token = ApiToken.objects.get(prefix=prefix)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def user_by_username(username: str) -> User:
    user: User = get_user_model().objects.get(username=username)
    return user
