"""Importing units and users: checked row by row, all or nothing, idempotent, inside the office's area."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.test import TestCase
from django.urls import reverse
from openpyxl import load_workbook

from tests.conftest import login
from tests.factories import make_user
from tests.imports.sheets import USER_HEADER, csv_file, xlsx
from tracker.core.models import UserPreference
from tracker.imports.models import ImportJob, ImportStatus
from tracker.imports.services import import_run
from tracker.orgs.models import GuidanceGroup, Role, RoleAssignment, Unit
from tracker.work.models import Task

HX = {"HTTP_HX_REQUEST": "true"}
START = "/imports/"

GOOD_ROWS = [
    # the child comes before its parent on purpose: the file order does not matter
    ["east-school-1", "东城区第一小学", "east-edu", "单位", "school", "是"],
    ["east-edu", "东城区教育局", "u-East", "单位", "机关", ""],
    ["east-edu-archive", "东城区教育局档案室", "east-edu", "下属单位", "", "否"],
]


def upload(client, file, kind="units", **extra):
    """Upload the file; its check job runs (inline, with `jobs_inline`) when the request commits."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(START, {"kind": kind, "file": file}, **extra)


def last_job() -> ImportJob:
    return ImportJob.objects.latest("id")


def run(client, job, django_capture_on_commit_callbacks, **extra):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:job_run", args=[job.pk]), **extra)
    job.refresh_from_db()
    return response


def test_a_bad_row_writes_nothing_and_is_named(client, city, django_capture_on_commit_callbacks):
    login(client, city.office_city)
    units_before = Unit.objects.count()
    rows = [*GOOD_ROWS, ["east-bad", "", "u-East", "省级", "no-such-category", "也许"]]
    response = upload(client, xlsx(rows))
    job = last_job()
    assert response.status_code == 302 and response.url == reverse("imports:job_detail", args=[job.pk])
    assert job.status == ImportStatus.INVALID
    html = client.get(response.url).content.decode()
    assert "发现 4 个问题" in html and "未写入任何数据" in html
    # row 5 in Excel terms (row 1 is the header), each bad cell named by its column
    for column, reason in [
        ("单位名称", "此列必须填写"),
        ("层级", "“省级”不在可选范围内"),
        ("单位类别", "没有单位类别“no-such-category”"),
        ("是否参加", "“也许”不是“是”或“否”"),
    ]:
        assert f'<td class="num">5</td><td>{column}</td><td>{reason}' in html, column
    run(client, job, django_capture_on_commit_callbacks)  # confirming an invalid job does nothing
    assert job.status == ImportStatus.INVALID
    assert Unit.objects.count() == units_before


def test_a_good_workbook_imports_and_the_units_get_their_tasks(client, city, django_capture_on_commit_callbacks):
    login(client, city.office_city)
    upload(client, xlsx(GOOD_ROWS))
    job = last_job()
    assert job.status == ImportStatus.READY and job.report["plan"] == {"created": 3, "updated": 0, "unchanged": 0}
    page = client.get(reverse("imports:job_detail", args=[job.pk])).content.decode()
    assert "将新增 3 条、更新 0 条、保持不变 0 条" in page
    response = run(client, job, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert job.status == ImportStatus.DONE and job.report["result"] == {"created": 3, "updated": 0, "unchanged": 0}
    assert job.done == job.total == 3
    edu = Unit.objects.get(code="east-edu")
    school = Unit.objects.get(code="east-school-1")
    archive = Unit.objects.get(code="east-edu-archive")
    assert edu.parent == city.east and school.parent == edu and archive.parent == edu
    assert school.path == f"{edu.path}{school.pk:08d}/" and school.depth == 3
    assert (school.category.code, edu.category.code, archive.category) == ("school", "organ", None)
    assert not archive.participates and archive.level == "subunit"
    # tasks come from the same generator as everywhere else: by category, after commit
    assert Task.objects.filter(unit=school).count() == 3  # reading, plan, school-only
    assert Task.objects.filter(unit=edu).count() == 2
    assert not Task.objects.filter(unit=archive).exists()


def test_importing_the_same_file_again_changes_nothing(client, city, django_capture_on_commit_callbacks):
    login(client, city.office_city)
    for _ in range(2):
        upload(client, xlsx(GOOD_ROWS))
        run(client, last_job(), django_capture_on_commit_callbacks)
    second = last_job()
    assert second.report["plan"] == second.report["result"] == {"created": 0, "updated": 0, "unchanged": 3}
    stamps = dict(Unit.objects.values_list("code", "updated_at"))
    tasks = Task.objects.count()
    upload(client, xlsx(GOOD_ROWS))
    run(client, last_job(), django_capture_on_commit_callbacks)
    assert dict(Unit.objects.values_list("code", "updated_at")) == stamps and Task.objects.count() == tasks
    # a changed name is an update, in place
    renamed = [[*GOOD_ROWS[0][:1], "东城区第一实验小学", *GOOD_ROWS[0][2:]], *GOOD_ROWS[1:]]
    upload(client, xlsx(renamed))
    run(client, last_job(), django_capture_on_commit_callbacks)
    assert last_job().report["result"] == {"created": 0, "updated": 1, "unchanged": 2}
    assert Unit.objects.get(code="east-school-1").name == "东城区第一实验小学"


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_csv_from_chinese_excel_imports(client, city, django_capture_on_commit_callbacks, encoding):
    login(client, city.office_city)
    response = upload(client, csv_file(GOOD_ROWS, encoding=encoding))
    job = last_job()
    assert response.status_code == 302 and job.status == ImportStatus.READY, job.report
    run(client, job, django_capture_on_commit_callbacks)
    assert Unit.objects.get(code="east-edu").name == "东城区教育局"
    assert Unit.objects.get(code="east-school-1").name == "东城区第一小学"


def test_english_headers_and_labels_are_accepted(client, city, django_capture_on_commit_callbacks):
    login(client, city.office_city)
    header = ["Unit code", "Unit name", "Parent unit code", "Level", "Unit category", "Takes part"]
    upload(client, csv_file([["x-1", "甲单位", "u-East", "Sub-unit", "Schools", "no"]], header=header))
    job = last_job()
    assert job.status == ImportStatus.READY, job.report
    run(client, job, django_capture_on_commit_callbacks)
    unit = Unit.objects.get(code="x-1")
    assert (unit.level, unit.category.code, unit.participates) == ("subunit", "school", False)


def test_an_office_imports_only_into_its_own_subtree(client, city):
    make_user(Role.OFFICE, unit=city.west, username="office_west")
    login(client, city.office_east)
    rows = [
        ["east-ok", "东城区某单位", "u-East", "", "", ""],
        ["west-new", "西湖区某单位", "u-West", "", "", ""],  # parent outside the area
        ["u-UnitB", "改名", "u-West", "", "", ""],  # an existing unit outside the area
        ["u-UnitA", "UnitA", "u-City", "", "", ""],  # moving a unit
        ["top", "顶级单位", "", "", "", ""],  # only the administrator adds roots
    ]
    upload(client, xlsx(rows))
    job = last_job()
    assert job.status == ImportStatus.INVALID
    problems = {(p["row"], p["column"], p["code"]) for p in job.report["problems"]}
    assert problems == {
        (3, "parent", "parent_unknown"),
        (4, "code", "code_taken"),
        (5, "parent", "move_unsupported"),
        (6, "parent", "parent_required"),
    }
    assert not Unit.objects.filter(code__in=["east-ok", "west-new", "top"]).exists()
    assert Unit.objects.get(code="u-UnitB").name == "UnitB"


def test_rows_naming_each_other_as_parents_are_refused(client, city):
    login(client, city.office_city)
    upload(
        client,
        xlsx([["a1", "甲", "b1", "", "", ""], ["b1", "乙", "a1", "", "", ""], ["a1", "甲", "u-East", "", "", ""]]),
    )
    codes = {(p["row"], p["code"]) for p in last_job().report["problems"]}
    assert {(2, "parent_cycle"), (3, "parent_cycle"), (4, "duplicate")} <= codes


def test_the_file_is_checked_again_when_the_import_runs(client, city, django_capture_on_commit_callbacks):
    """Between check and confirm someone else took a code: the run refuses and writes nothing."""
    login(client, city.office_east)
    upload(client, xlsx([["east-a", "甲", "u-East", "", "", ""], ["late", "乙", "u-East", "", "", ""]]))
    job = last_job()
    assert job.status == ImportStatus.READY
    from tests.factories import make_unit

    make_unit("Late", parent=city.west, code="late")
    run(client, job, django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.INVALID
    assert [(p["row"], p["code"]) for p in job.report["problems"]] == [(3, "code_taken")]
    assert not Unit.objects.filter(code="east-a").exists()


def test_a_second_run_of_the_same_job_does_nothing(client, city, django_capture_on_commit_callbacks):
    login(client, city.office_city)
    upload(client, xlsx(GOOD_ROWS))
    job = last_job()
    run(client, job, django_capture_on_commit_callbacks)
    finished = job.finished_at
    import_run(job_id=job.pk)  # a redelivered background task
    run(client, job, django_capture_on_commit_callbacks)  # a second click
    assert job.finished_at == finished and job.report["result"]["created"] == 3
    assert Unit.objects.filter(code__startswith="east-").count() == 3


def test_unreadable_files_are_refused_with_a_reason(client, city):
    login(client, city.office_city)
    # What is seen without reading the rows is refused on the form, and no job is made.
    cases = [
        (csv_file([["x"]], name="units.xls"), "另存为"),
        (csv_file([["x"]], name="units.pdf"), ".xlsx 或 .csv"),
        (csv_file([["x"]], name="broken.xlsx"), "不是 Excel 或 WPS 能打开的 .xlsx"),
    ]
    for file, reason in cases:
        response = upload(client, file, **HX)
        html = response.content.decode()
        assert response.status_code == 422 and reason in html, (file.name, html)
        assert 'id="import-panel"' in html and "<html" not in html
    assert not ImportJob.objects.exists()


def test_files_without_rows_end_their_check_with_the_reason(client, city):
    """The header and the rows are read by the check job: its import ends INVALID with the reason."""
    login(client, city.office_city)
    cases = [
        (xlsx([["x", "y"]], header=["甲", "乙"]), "表头缺少这些列"),
        (xlsx([]), "没有数据行"),
        (csv_file([], header=[]), "没有数据行"),
    ]
    for file, reason in cases:
        response = upload(client, file)
        job = last_job()
        assert response.status_code == 302 and job.status == ImportStatus.INVALID, file.name
        assert reason in job.report["file_problem"] and job.rows == [] and job.total == 0 and not job.upload
        html = client.get(response.url).content.decode()
        assert "无法读取该文件" in html and reason in html and "上传改正后的文件" in html


def test_problems_are_shown_in_the_readers_language(client, city, settings):
    login(client, city.office_city)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    upload(client, xlsx([["bad code!", "名", "u-East", "", "", ""]]))
    html = client.get(reverse("imports:job_detail", args=[last_job().pk])).content.decode()
    assert "Use only letters, digits, hyphens and underscores." in html and "Unit code" in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = client.get(reverse("imports:job_detail", args=[last_job().pk])).content.decode()
    assert "只能使用字母、数字、连字符和下划线。" in html


USERS = [
    ["li.si", "李四", "lisi@example.test", "联络员（工作人员）", "u-UnitA", "English"],
    ["li.si", "李四", "lisi@example.test", "unit_leader", "u-UnitA", "English"],
    ["wang.wu", "王五", "", "巡回指导组成员", "Group 1", ""],
]


def test_users_import_with_set_password_links(client, city, django_capture_on_commit_callbacks):
    login(client, city.office_city)
    upload(client, xlsx(USERS, header=USER_HEADER, name="users.xlsx"), kind="users")
    job = last_job()
    assert job.status == ImportStatus.READY, job.report
    assert job.report["plan"] == {"created": 2, "updated": 1, "unchanged": 0}
    run(client, job, django_capture_on_commit_callbacks)
    assert job.report["result"] == {"created": 2, "updated": 1, "unchanged": 0}
    User = get_user_model()
    lisi = User.objects.get(username="li.si")
    assert lisi.get_full_name() == "李四" and not lisi.has_usable_password()
    assert set(RoleAssignment.objects.filter(user=lisi).values_list("role", "unit__code")) == {
        ("staff", "u-UnitA"),
        ("unit_leader", "u-UnitA"),
    }
    assert RoleAssignment.objects.get(user__username="wang.wu").guidance_group.name == "Group 1"
    assert UserPreference.objects.get(user=lisi).language == "en"

    page = client.get(reverse("imports:job_detail", args=[job.pk])).content.decode()
    assert page.count("/accounts/set-password/") == 2
    link = page.split('value="http://testserver', 1)[1].split('"', 1)[0]
    assert "li.si" in page.split(link)[0].rsplit("<tr>", 1)[1]

    # the person opens their link, chooses a password, and the link is spent
    client.logout()
    form_url = client.get(link).url
    response = client.post(form_url, {"new_password1": "Qinghe-2024-safe", "new_password2": "Qinghe-2024-safe"})
    assert response.status_code == 302
    lisi.refresh_from_db()
    assert lisi.check_password("Qinghe-2024-safe")
    assert "已被使用或已过期" in client.get(link, follow=True).content.decode()
    # their preferred language applies once they log in
    assert client.login(username="li.si", password="Qinghe-2024-safe")
    assert 'lang="en"' in client.get("/").content.decode()

    login(client, city.office_city)
    page = client.get(reverse("imports:job_detail", args=[job.pk])).content.decode()
    assert page.count("/accounts/set-password/") == 1  # only wang.wu still has to choose

    upload(client, xlsx(USERS, header=USER_HEADER, name="users.xlsx"), kind="users")
    run(client, last_job(), django_capture_on_commit_callbacks)
    assert last_job().report["result"] == {"created": 0, "updated": 0, "unchanged": 3}
    lisi.refresh_from_db()
    assert lisi.check_password("Qinghe-2024-safe")


def test_users_outside_the_area_are_refused(client, city):
    admin = make_user(username="root", is_superuser=True, is_staff=True)
    login(client, city.office_east)
    rows = [
        ["staff_b", "改名", "", "staff", "u-UnitA", ""],  # an account of another district
        [admin.username, "x", "", "staff", "u-UnitA", ""],  # the administrator
        ["new.one", "新人", "", "staff", "u-UnitB", ""],  # a unit outside the area
        ["new.two", "新人", "", "guide", "Group 1", ""],  # Group 1 is inside East only
        ["new.three", "新人", "not-an-email", "chief", "u-UnitA", "klingon"],
        ["new.two", "另一个名字", "", "staff", "u-UnitA", ""],
    ]
    upload(client, xlsx(rows, header=USER_HEADER), kind="users")
    job = last_job()
    assert job.status == ImportStatus.INVALID
    problems = {(p["row"], p["column"], p["code"]) for p in job.report["problems"]}
    assert problems == {
        (2, "username", "user_out_of_scope"),
        (3, "username", "user_out_of_scope"),
        (4, "unit", "unknown_unit"),
        (6, "email", "bad_email"),
        (6, "role", "bad_choice"),
        (6, "language", "bad_choice"),
        (7, "full_name", "differs"),
    }
    assert not get_user_model().objects.filter(username__startswith="new.").exists()
    # a group reaching beyond the office's area cannot be joined
    GuidanceGroup.objects.get(name="Group 1").units.add(city.unit_b)
    upload(client, xlsx([rows[3]], header=USER_HEADER), kind="users")
    assert [p["code"] for p in last_job().report["problems"]] == ["unknown_group"]


def test_templates_download_in_both_formats_and_read_back(client, city):
    login(client, city.office_city)
    response = client.get(reverse("imports:template", args=["units", "xlsx"]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    header = [c.value for c in workbook.worksheets[0][1]]
    assert header == ["单位编码*", "单位名称*", "上级单位编码*", "层级", "单位类别", "是否参加"]
    notes = "\n".join(str(c.value) for row in workbook.worksheets[1].iter_rows() for c in row)
    assert "school (中小学)" in notes
    response = client.get(reverse("imports:template", args=["users", "csv"]))
    assert response.content.startswith(b"\xef\xbb\xbf") and "用户名*".encode() in response.content
    assert client.get("/imports/templates/units.pdf").status_code == 404
    assert client.get("/imports/templates/cats.xlsx").status_code == 404


def test_polling_fragment_stops_when_the_job_is_done(client, city, django_capture_on_commit_callbacks):
    login(client, city.office_city)
    upload(client, xlsx(GOOD_ROWS))
    job = last_job()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, done=2, job=None)
    html = client.get(reverse("imports:job_detail", args=[job.pk]), **HX).content.decode()
    assert html.strip().startswith('<section class="card" id="job"') and "<html" not in html
    assert 'hx-trigger="every 1s"' in html and 'value="2"' in html and 'max="3"' in html
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.READY, done=0)
    # The run starts after the request's transaction commits: the answer to the click is the
    # queued job, polling; the next poll finds it done and the fragment stops asking.
    response = run(client, job, django_capture_on_commit_callbacks, **HX)
    html = response.content.decode()
    assert response.status_code == 200 and 'hx-trigger="every 1s"' in html and "排队中" in html
    html = client.get(reverse("imports:job_detail", args=[job.pk]), **HX).content.decode()
    assert 'id="job"' in html and "hx-trigger" not in html and "已导入" in html


def test_htmx_upload_swaps_in_the_report(client, city):
    login(client, city.office_city)
    response = upload(client, xlsx(GOOD_ROWS), **HX)
    job = last_job()
    assert response.status_code == 200 and response["HX-Push-Url"] == reverse("imports:job_detail", args=[job.pk])
    # The answer is the job being checked, polling; the next poll finds it checked.
    html = response.content.decode()
    assert 'id="job"' in html and "正在检查" in html and 'hx-trigger="every 1s"' in html
    html = client.get(reverse("imports:job_detail", args=[job.pk]), **HX).content.decode()
    assert "立即导入" in html and "hx-trigger" not in html


def test_import_pages_keep_their_query_count(client, city, django_assert_num_queries):
    login(client, city.office_city)
    upload(client, xlsx([["bad!", "", "", "", "", ""]]))
    bad = last_job()

    def count(url):
        with django_assert_num_queries(4):  # session, user, role assignments, the page's one read
            assert client.get(url).status_code == 200

    count(START)
    count(reverse("imports:job_detail", args=[bad.pk]))
    for _ in range(30):
        upload(client, xlsx([[f"bad {_}", "", "", "", "", ""]] * 20))
    count(START)
    count(reverse("imports:job_detail", args=[last_job().pk]))


def test_running_an_import_is_a_post(client, city):
    login(client, city.office_city)
    upload(client, xlsx(GOOD_ROWS))
    assert client.get(reverse("imports:job_run", args=[last_job().pk])).status_code == 405
    assert last_job().status == ImportStatus.READY


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_progress_is_visible_while_the_import_transaction_is_still_open(city):
    from django.db import connection, transaction

    from tests.conftest import require_service
    from tracker.imports.services import ProgressReporter

    require_service("PostgreSQL", connection.vendor == "postgresql", "progress needs a second writer")
    job = ImportJob.objects.create(kind="units", status="running", created_by=city.office_city, total=100)
    reporter = ProgressReporter(job_id=job.pk, total=100)
    try:
        with transaction.atomic():
            Unit.objects.filter(pk=city.unit_a.pk).update(name="写入中")  # the import's own open transaction
            reporter.report(40)
            # read committed: what another request (the poller) sees right now
            assert ImportJob.objects.get(pk=job.pk).done == 40
            reporter.report(41)  # between steps of 2: not written
            assert ImportJob.objects.get(pk=job.pk).done == 40
    finally:
        reporter.close()


@pytest.mark.django_db(transaction=True)
def test_a_large_file_imports_with_progress(client, city):
    """Outside a test transaction, as in production: the run happens after the click's commit."""
    login(client, city.office_city)
    rows = [[f"bulk-{i:04d}", f"批量单位{i}", "u-East", "", "organ", ""] for i in range(400)]
    upload(client, csv_file(rows))
    job = last_job()
    assert job.status == ImportStatus.READY and job.total == 400
    client.post(reverse("imports:job_run", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.done == 400 and job.report["result"]["created"] == 400
    assert Unit.objects.filter(code__startswith="bulk-", parent=city.east).count() == 400
    assert Task.objects.filter(unit__code__startswith="bulk-").count() == 800  # reading + plan each


def test_a_unit_that_joins_the_campaign_gets_its_tasks(client, city, django_capture_on_commit_callbacks):
    login(client, city.office_city)
    upload(client, xlsx(GOOD_ROWS))
    run(client, last_job(), django_capture_on_commit_callbacks)
    archive = Unit.objects.get(code="east-edu-archive")
    assert not Task.objects.filter(unit=archive).exists()
    joined = [*GOOD_ROWS[:2], ["east-edu-archive", "东城区教育局档案室", "east-edu", "下属单位", "organ", "是"]]
    upload(client, xlsx(joined))
    run(client, last_job(), django_capture_on_commit_callbacks)
    assert last_job().report["result"] == {"created": 0, "updated": 1, "unchanged": 2}
    assert Task.objects.filter(unit=archive).count() == 2
