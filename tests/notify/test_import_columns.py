"""The user import fills each person's WeCom id, DingTalk id and mobile (optional columns)."""

from __future__ import annotations

import pytest

from tests.conftest import login
from tests.imports.sheets import USER_HEADER, xlsx
from tests.imports.test_imports import last_job, run, upload
from tracker.imports.models import ImportStatus
from tracker.notify.models import Profile

pytestmark = pytest.mark.django_db

HEADER = [*USER_HEADER, "政务微信账号", "钉钉账号", "手机号"]


def test_user_import_sets_the_channel_addresses(client, city, django_capture_on_commit_callbacks, jobs_inline):
    login(client, city.office_city)
    rows = [
        ["zhao.liu", "赵六", "", "联络员（工作人员）", "u-UnitA", "", "ZhaoLiu", "zl01", "138 0013 8000"],
        [city.staff_a.username, "甲", city.staff_a.email, "联络员（工作人员）", "u-UnitA", "", "", "", "13900139000"],
    ]
    upload(client, xlsx(rows, header=HEADER, name="users.xlsx"), kind="users")
    job = last_job()
    assert job.status == ImportStatus.READY, job.report
    run(client, job, django_capture_on_commit_callbacks)
    zhao = Profile.objects.get(user__username="zhao.liu")
    assert (zhao.wecom_id, zhao.dingtalk_id, zhao.mobile) == ("ZhaoLiu", "zl01", "13800138000")
    assert Profile.objects.get(user=city.staff_a).mobile == "13900139000"


def test_a_bad_mobile_is_named_and_nothing_is_written(client, city, jobs_inline):
    login(client, city.office_city)
    rows = [["zhao.liu", "赵六", "", "联络员（工作人员）", "u-UnitA", "", "", "", "12345"]]
    upload(client, xlsx(rows, header=HEADER, name="users.xlsx"), kind="users")
    job = last_job()
    assert job.status != ImportStatus.READY
    assert "12345" in str(job.report)
    assert not Profile.objects.exists()
