"""Directory login against a real OpenLDAP (slapd) with a generated tree.

People log in with their directory password as the account the office imported (matched by
username, any case); the directory creates no account and cannot revive a disabled one; local
passwords keep working, also while the directory is down, and the login page says what happened.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.conftest import PASSWORD, free_port, require_service
from tests.ldapserver import Directory, Person, slapd_path
from tracker.accounts.directory_settings import BACKEND, directory_settings

DIRECTORY_PASSWORD = "directory-pw-9"


def _ldap_importable() -> tuple[bool, str]:
    try:
        import django_auth_ldap  # noqa: F401
        import ldap  # noqa: F401
    except ImportError as error:
        return False, f"{error} (pip install -r requirements-ldap.txt; needs libldap2-dev libsasl2-dev)"
    return True, ""


@pytest.fixture(scope="module")
def directory(tmp_path_factory):
    ok, why = _ldap_importable()
    require_service("python-ldap", ok, why)
    require_service("slapd", slapd_path() is not None, "apt-get install slapd")
    server = Directory(
        root=tmp_path_factory.mktemp("slapd"),
        port=free_port(),
        people=[
            Person("staff_a", DIRECTORY_PASSWORD, name="张三", mail="zhangsan@example.gov"),
            Person("leader_a", DIRECTORY_PASSWORD, name="李四"),
            Person("guide", DIRECTORY_PASSWORD, name="王五"),
            Person("stranger", DIRECTORY_PASSWORD, name="赵六"),
        ],
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def use_directory(settings, directory):
    """The settings an IT department gets by setting the documented environment variables."""
    for name, value in directory_settings(directory.environ()).items():
        setattr(settings, name, value)
    backends = list(settings.AUTHENTICATION_BACKENDS)
    backends.insert(1, BACKEND)
    settings.AUTHENTICATION_BACKENDS = backends
    return directory


def log_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="10.9.0.1")


def signed_in_as(client) -> str | None:
    user_id = client.session.get("_auth_user_id")
    return get_user_model().objects.get(pk=user_id).username if user_id else None


def test_no_directory_configured_means_no_directory_settings():
    assert directory_settings({}) == {}
    assert directory_settings({"LDAP_SERVER_URI": "  "}) == {}


def test_a_directory_person_logs_in_as_the_imported_account(client, city, use_directory):
    response = log_in(client, "staff_a", DIRECTORY_PASSWORD)
    assert response.status_code == 302
    assert signed_in_as(client) == "staff_a"
    # The directory proves who someone is; it does not rewrite the imported account.
    city.staff_a.refresh_from_db()
    assert city.staff_a.first_name == "张三" and city.staff_a.email != "zhangsan@example.gov"


def test_the_username_matches_in_any_case_as_directories_compare(client, city, use_directory):
    assert log_in(client, "STAFF_A", DIRECTORY_PASSWORD).status_code == 302
    assert signed_in_as(client) == "staff_a"


def test_local_passwords_keep_working_beside_the_directory(client, city, use_directory):
    assert log_in(client, "staff_a", PASSWORD).status_code == 302
    assert signed_in_as(client) == "staff_a"


def test_a_directory_person_without_an_account_gets_none(client, city, use_directory):
    before = get_user_model().objects.count()
    response = log_in(client, "stranger", DIRECTORY_PASSWORD)
    assert response.status_code == 200 and signed_in_as(client) is None
    assert "请输入一个正确的用户名和密码" in response.content.decode()
    assert get_user_model().objects.count() == before


def test_a_disabled_account_stays_out_whatever_the_directory_says(client, city, use_directory):
    city.leader_a.is_active = False
    city.leader_a.save(update_fields=["is_active"])
    assert log_in(client, "leader_a", DIRECTORY_PASSWORD).status_code == 200
    assert signed_in_as(client) is None


def test_a_wrong_directory_password_is_refused_and_counts_toward_lockout(client, city, use_directory):
    for _ in range(5):
        response = log_in(client, "guide", "not-the-password")
        assert signed_in_as(client) is None
    # The sixth try, even with the right password, meets the lockout page.
    response = log_in(client, "guide", DIRECTORY_PASSWORD)
    assert response.status_code == 429 and signed_in_as(client) is None


def test_an_outage_leaves_local_accounts_working_and_says_why_others_cannot(client, city, settings, use_directory):
    settings.AUTH_LDAP_SERVER_URI = f"ldap://127.0.0.1:{free_port()}"  # nothing listens there
    city.leader_a.set_unusable_password()  # a directory-only person
    city.leader_a.save(update_fields=["password"])

    response = log_in(client, "leader_a", DIRECTORY_PASSWORD)
    body = response.content.decode()
    assert response.status_code == 200 and signed_in_as(client) is None
    assert "目录服务器暂时无法连接" in body

    assert log_in(client, "staff_a", PASSWORD).status_code == 302
    assert signed_in_as(client) == "staff_a"
