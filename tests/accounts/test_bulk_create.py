"""Accounts made in bulk by the user import: no usable password, each with its first history row."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from tracker.accounts.services import users_bulk_create

pytestmark = pytest.mark.django_db


def test_bulk_accounts_have_history_and_no_password():
    users = users_bulk_create(
        people=[("li.si", "李四", "li@example.gov.cn"), ("wang.wu", "王五", "")], languages={"wang.wu": "en"}
    )
    assert {u.username for u in users} == {"li.si", "wang.wu"}
    for user in get_user_model().objects.filter(username__in=["li.si", "wang.wu"]):
        assert not user.has_usable_password()
        first = user.history.get()
        assert first.history_type == "+" and first.history_change_reason == "user import"
    assert get_user_model().objects.get(username="wang.wu").preference.language == "en"
