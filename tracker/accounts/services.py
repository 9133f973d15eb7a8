"""Writes to user accounts (the import of users creates and updates them through here)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from simple_history.utils import bulk_create_with_history

from tracker.core.models import UserPreference
from tracker.core.types import User


def user_update(*, user: User, full_name: str, email: str) -> User:
    user.first_name = full_name
    user.email = email
    user.full_clean(exclude=["password"])
    user.save(update_fields=["first_name", "email"])
    return user


def user_language_set(*, user: User, language: str) -> UserPreference:
    preference, _created = UserPreference.objects.update_or_create(user=user, defaults={"language": language})
    return preference


def users_bulk_create(*, people: list[tuple[str, str, str]], languages: dict[str, str]) -> list[User]:
    """Accounts for checked (username, full name, e-mail) rows in a few statements, each with its first
    history row. None has a usable password: the person sets their own through a one-time link
    (tracker.imports.selectors.set_password_links), so nobody else ever knows it. `languages` maps a
    username to the UI language chosen for it."""
    model = get_user_model()
    users = [model(username=username, first_name=full_name, email=email) for username, full_name, email in people]
    for user in users:
        user.set_unusable_password()
    created: list[User] = bulk_create_with_history(users, model, batch_size=1000, default_change_reason="user import")
    UserPreference.objects.bulk_create(
        [
            UserPreference(user=user, language=languages[user.username])
            for user in created
            if languages.get(user.username)
        ],
        batch_size=1000,
    )
    return created


def directory_links_set(*, employee_ids: dict[int, str]) -> int:
    """Set the employee ids (工号) of accounts in one statement: `employee_ids` maps a user id to its
    employee id; an account's earlier id is replaced. The import checked that no id is held by
    another account (the unique constraint still refuses it, rolling back the whole import)."""
    from tracker.accounts.models import DirectoryLink

    links = [DirectoryLink(user_id=user_id, employee_id=eid) for user_id, eid in employee_ids.items() if eid]
    DirectoryLink.objects.bulk_create(
        links, batch_size=1000, update_conflicts=True, unique_fields=["user"], update_fields=["employee_id"]
    )
    return len(links)
