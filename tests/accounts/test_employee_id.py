"""Directory login by employee id (工号): the user import's optional column fills it, and with
LDAP_EMPLOYEE_ID_ATTR set a directory person logs in as the account holding the same id, whatever
the usernames are. Against a real OpenLDAP (slapd) whose people carry employeeNumber."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.accounts.test_directory import DIRECTORY_PASSWORD, _ldap_importable, log_in, signed_in_as
from tests.conftest import free_port, login, require_service
from tests.imports.sheets import USER_HEADER, xlsx
from tests.ldapserver import Directory, Person, slapd_path
from tracker.accounts.directory_settings import BACKEND, directory_settings
from tracker.accounts.models import DirectoryLink
from tracker.imports.models import ImportJob, ImportStatus

HEADER = [*USER_HEADER, "工号"]


@pytest.fixture(autouse=True)
def _imports_run_inline(jobs_inline):
    """The import's job runs in the test's process when the click's transaction commits."""


@pytest.fixture(scope="module")
def directory(tmp_path_factory):
    ok, why = _ldap_importable()
    require_service("python-ldap", ok, why)
    require_service("slapd", slapd_path() is not None, "apt-get install slapd")
    server = Directory(
        root=tmp_path_factory.mktemp("slapd"),
        port=free_port(),
        people=[
            # Directory names differ from the imported usernames: only the employee id links them.
            Person("zhang.san", DIRECTORY_PASSWORD, name="张三", employee_number="E1001"),
            Person("li.si", DIRECTORY_PASSWORD, name="李四", employee_number="E1002"),
            # Same name as an imported account but another employee id: not that account.
            Person("leader_a", DIRECTORY_PASSWORD, name="冒名", employee_number="E9999"),
            Person("guide", DIRECTORY_PASSWORD, name="王五"),  # no employee id in the directory
        ],
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def by_employee_id(settings, directory):
    environ = {**directory.environ(), "LDAP_EMPLOYEE_ID_ATTR": "employeeNumber"}
    for name, value in directory_settings(environ).items():
        setattr(settings, name, value)
    first, *rest = settings.AUTHENTICATION_BACKENDS
    settings.AUTHENTICATION_BACKENDS = [first, BACKEND, *rest]
    return directory


def import_users(client, rows, capture):
    with capture(execute=True):  # the upload's check job runs when the request commits
        client.post("/imports/", {"kind": "users", "file": xlsx(rows, header=HEADER, name="users.xlsx")})
    job = ImportJob.objects.latest("id")
    if job.status == ImportStatus.READY:
        with capture(execute=True):
            client.post(reverse("imports:job_run", args=[job.pk]))
        job.refresh_from_db()
    return job


def test_the_setting_comes_from_the_environment():
    assert directory_settings({"LDAP_SERVER_URI": "ldap://x"})["LDAP_EMPLOYEE_ID_ATTR"] == ""
    environ = {"LDAP_SERVER_URI": "ldap://x", "LDAP_EMPLOYEE_ID_ATTR": " employeeNumber "}
    assert directory_settings(environ)["LDAP_EMPLOYEE_ID_ATTR"] == "employeeNumber"


def test_the_import_fills_employee_ids_in_bulk_and_keeps_them_on_blank_cells(
    client, city, django_capture_on_commit_callbacks
):
    city.leader_a.first_name = "领导甲"
    city.leader_a.save(update_fields=["first_name"])
    login(client, city.office_city)
    rows = [
        ["staff_a", city.staff_a.first_name, "", "staff", "u-UnitA", "", "E1001"],
        ["new.person", "新人", "", "staff", "u-UnitA", "", "E1002"],
        ["new.person", "新人", "", "unit_leader", "u-UnitA", "", "E1002"],
        ["leader_a", city.leader_a.first_name, "", "unit_leader", "u-UnitA", "", ""],
    ]
    job = import_users(client, rows, django_capture_on_commit_callbacks)
    assert job.report.get("result") == {"created": 1, "updated": 2, "unchanged": 1}, (job.status, job.report)
    assert dict(DirectoryLink.objects.values_list("user__username", "employee_id")) == {
        "staff_a": "E1001",
        "new.person": "E1002",
    }
    # Again with a blank cell for staff_a: nothing changes; a new id for new.person replaces the old
    # (its first row changes the account, the second finds it done).
    rows[0][-1] = ""
    rows[1][-1] = rows[2][-1] = "E2002"
    job = import_users(client, rows, django_capture_on_commit_callbacks)
    assert job.report["result"] == {"created": 0, "updated": 1, "unchanged": 3}, job.report
    assert dict(DirectoryLink.objects.values_list("user__username", "employee_id")) == {
        "staff_a": "E1001",
        "new.person": "E2002",
    }


def test_an_employee_id_belongs_to_one_account(client, city, django_capture_on_commit_callbacks):
    DirectoryLink.objects.create(user=city.staff_a, employee_id="E1001")
    login(client, city.office_city)
    rows = [
        ["leader_a", "领导甲", "", "unit_leader", "u-UnitA", "", "E1001"],  # staff_a's id
        ["new.one", "新人", "", "staff", "u-UnitA", "", "E3003"],
        ["new.two", "新人", "", "staff", "u-UnitA", "", "E3003"],  # the id of the row above
        ["new.one", "新人", "", "unit_leader", "u-UnitA", "", "E4004"],  # two ids for one person
    ]
    job = import_users(client, rows, django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.INVALID
    problems = {(p["row"], p["column"], p["code"]) for p in job.report["problems"]}
    assert problems == {
        (2, "employee_id", "employee_id_taken"),
        (4, "employee_id", "duplicate"),
        (5, "employee_id", "differs"),
    }
    assert DirectoryLink.objects.count() == 1
    page = client.get(reverse("imports:job_detail", args=[job.pk])).content.decode()
    assert "工号“E1001”已属于另一个账号" in page


def test_a_directory_person_logs_in_as_the_account_with_their_employee_id(client, city, by_employee_id):
    DirectoryLink.objects.create(user=city.staff_a, employee_id="E1001")
    assert log_in(client, "zhang.san", DIRECTORY_PASSWORD).status_code == 302
    assert signed_in_as(client) == "staff_a"


def test_without_a_matching_employee_id_the_username_does_not_count(client, city, by_employee_id):
    DirectoryLink.objects.create(user=city.leader_a, employee_id="E1003")
    accounts = type(city.leader_a).objects.count()
    for name in ("leader_a", "li.si", "guide"):  # another id; an id nobody holds; no id at all
        response = log_in(client, name, DIRECTORY_PASSWORD)
        assert response.status_code == 200 and signed_in_as(client) is None, name
    assert type(city.leader_a).objects.count() == accounts


def test_a_disabled_account_stays_out_by_employee_id_too(client, city, by_employee_id):
    DirectoryLink.objects.create(user=city.staff_a, employee_id="E1001")
    city.staff_a.is_active = False
    city.staff_a.save(update_fields=["is_active"])
    assert log_in(client, "zhang.san", DIRECTORY_PASSWORD).status_code == 200
    assert signed_in_as(client) is None
