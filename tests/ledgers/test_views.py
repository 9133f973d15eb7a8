"""The ledger pages through Django's test client: book, forms, crowding warning, close-out, exports."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.conftest import PDF_BYTES, login
from tests.factories import ledger_defaults, make_ledger_row, make_unit, make_user
from tracker.ledgers import services
from tracker.ledgers.models import RectificationItem, ResearchVisit, StudySession
from tracker.ledgers.registry import LEDGERS
from tracker.orgs.models import Role

HX = {"HTTP_HX_REQUEST": "true"}
TODAY = timezone.localdate


def form_data(ledger: str, **changes) -> dict:
    data = {**ledger_defaults(ledger), **changes}
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in data.items() if v is not None}


def pdf(name="evidence.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def book_url(city, tab=""):
    return reverse("ledgers:book", args=[city.unit_a.pk]) + (f"?tab={tab}" if tab else "")


# ------------------------------------------------------------------------------ the book


def test_book_shows_a_tab_per_ledger_and_swaps_sections(client, city):
    make_ledger_row("study", unit=city.unit_a, by=city.staff_a, topic="读原著学原文")
    login(client, city.staff_a)
    html = client.get(book_url(city)).content.decode()
    assert "<html" in html and html.count('<a href="?tab=') == len(LEDGERS)
    assert 'aria-current="page">问题整改清单' in html  # the first ledger is open
    assert "尚未登记问题。请将自我检视" in html  # it is empty: the hint says what to do
    response = client.get(book_url(city, "study"), **HX)
    fragment = response.content.decode()
    assert fragment.strip().startswith('<div id="book">') and "<html" not in fragment
    assert "读原著学原文" in fragment and reverse("ledgers:row_create", args=[city.unit_a.pk, "study"]) in fragment


def test_readers_see_the_book_without_add_buttons(client, city):
    login(client, city.office_city)
    html = client.get(book_url(city, "study")).content.decode()
    assert reverse("ledgers:row_create", args=[city.unit_a.pk, "study"]) not in html
    assert reverse("ledgers:book_export", args=[city.unit_a.pk]) in html
    assert reverse("ledgers:rectification_raise", args=[city.unit_a.pk]) in html  # the office may raise problems


def test_unit_page_links_to_the_ledger_book(client, city):
    login(client, city.staff_a)
    html = client.get(reverse("work:unit_detail", args=[city.unit_a.pk])).content.decode()
    assert book_url(city) in html


# ------------------------------------------------------------------------------ forms


def test_create_with_htmx_redirects_to_the_new_row(client, city):
    login(client, city.staff_a)
    url = reverse("ledgers:row_create", args=[city.unit_a.pk, "study"])
    assert client.get(url).status_code == 200
    response = client.post(url, form_data("study", topic="中心组学习"), **HX)
    session = StudySession.objects.get()
    assert response.status_code == 200 and response["HX-Redirect"] == session.get_absolute_url()
    response = client.post(url, form_data("study", topic="第二次"))
    assert response.status_code == 302


def test_bad_input_gets_422_with_the_form_and_writes_nothing(client, city):
    login(client, city.staff_a)
    url = reverse("ledgers:row_create", args=[city.unit_a.pk, "study"])
    before = city.campaign.starts_on - timedelta(days=1)
    response = client.post(url, form_data("study", held_on=before, hours="-1", attendance="0"), **HX)
    html = response.content.decode()
    assert response.status_code == 422 and html.strip().startswith('<form id="row-form"')
    assert html.count("field-error") >= 3 and "主题教育开始" in html
    assert not StudySession.all_objects.exists()


def test_crowding_warning_then_save_anyway(client, city):
    make_ledger_row("visits", unit=city.unit_b, by=city.staff_b, site="城关第一社区", visited_on=TODAY() - timedelta(5))
    login(client, city.staff_a)
    url = reverse("ledgers:row_create", args=[city.unit_a.pk, "visits"])
    data = form_data("visits", site="城关第一社区 ", leader_name="李主任")
    response = client.post(url, data, **HX)
    html = response.content.decode()
    assert response.status_code == 422
    assert "扎堆调研" in html and 'name="confirm_crowding"' in html and "仍然保存" in html
    assert (TODAY() - timedelta(5)).strftime("%Y") in html
    assert not ResearchVisit.objects.filter(unit=city.unit_a).exists()
    response = client.post(url, {**data, "confirm_crowding": "on", "crowding_reason": "已与UnitB协调"}, **HX)
    assert response.status_code == 200 and "HX-Redirect" in response
    visit = ResearchVisit.objects.get(unit=city.unit_a)
    assert visit.crowding_confirmed and visit.crowding_reason == "已与UnitB协调"


def test_the_warning_names_visible_visitors_newest_first(client, city):
    make_ledger_row(
        "visits",
        unit=city.unit_b,
        by=city.staff_b,
        site="幸福社区",
        leader_name="孙书记",
        visited_on=TODAY() - timedelta(6),
    )
    make_ledger_row(
        "visits",
        unit=city.unit_a,
        by=city.staff_a,
        site="幸福社区",
        leader_name="赵副局长",
        visited_on=TODAY() - timedelta(2),
    )
    login(client, city.staff_a)
    url = reverse("ledgers:row_create", args=[city.unit_a.pk, "visits"])
    response = client.post(url, form_data("visits", site="幸福社区", leader_name="王局长"), **HX)
    html = response.content.decode()
    assert response.status_code == 422 and response["HX-Reswap"] == "outerHTML show:top"
    # The unit's other leader is named; unit B, outside staff A's scope, is only dated.
    assert "赵副局长" in html and "孙书记" not in html and "UnitB" not in html and "其他单位" in html
    newer, older = (TODAY() - timedelta(2)), (TODAY() - timedelta(6))
    assert html.index(f"{newer.year}年{newer.month}月{newer.day}日") < html.index(
        f"{older.year}年{older.month}月{older.day}日"
    )
    # One full-width "save anyway" button, the reason field right before it.
    assert html.count('name="confirm_crowding"') == 1 and 'type="checkbox" name="confirm_crowding' not in html
    assert html.index('name="crowding_reason"') < html.index('name="confirm_crowding"')


def test_the_warning_counts_what_it_does_not_list(client, city, monkeypatch):
    from tracker.ledgers import views

    monkeypatch.setattr(views, "NEARBY_SHOWN", 1)
    for days, leader in ((1, "甲"), (2, "乙"), (3, "丙")):
        make_ledger_row(
            "visits",
            unit=city.unit_a,
            by=city.staff_a,
            site="幸福社区",
            leader_name=leader,
            visited_on=TODAY() - timedelta(days),
        )
    login(client, city.staff_a)
    url = reverse("ledgers:row_create", args=[city.unit_a.pk, "visits"])
    html = client.post(url, form_data("visits", site="幸福社区", leader_name="王局长"), **HX).content.decode()
    listed = html.split('<ul class="nearby">')[1].split("</ul>")[0]  # the form's chips name every leader used
    assert "甲" in listed and "乙" not in listed and "另有 2 次" in html


@pytest.mark.parametrize("headers", [HX, {}], ids=["htmx", "plain"])
def test_save_anyway_without_a_reason_is_refused_beside_the_reason(client, city, headers):
    make_ledger_row("visits", unit=city.unit_b, by=city.staff_b, site="城关第一社区", visited_on=TODAY() - timedelta(5))
    login(client, city.staff_a)
    url = reverse("ledgers:row_create", args=[city.unit_a.pk, "visits"])
    data = form_data("visits", site="城关第一社区", leader_name="李主任", findings="群众反映停车难")
    response = client.post(url, {**data, "confirm_crowding": "on", "crowding_reason": "  "}, **headers)
    html = response.content.decode()
    assert response.status_code == 422
    assert "请说明仍需开展本次调研的理由" in html and "群众反映停车难" in html and "李主任" in html
    error_at = html.index("请说明仍需开展本次调研的理由")
    assert html.index('name="crowding_reason"') < error_at < html.index('name="confirm_crowding"')
    assert not ResearchVisit.all_objects.filter(unit=city.unit_a).exists()
    if not headers:
        assert "<html" in html


def test_the_reason_shows_on_the_row_page_and_in_the_export(client, city):
    make_ledger_row("visits", unit=city.unit_b, by=city.staff_b, site="城关第一社区", visited_on=TODAY() - timedelta(5))
    login(client, city.staff_a)
    url = reverse("ledgers:row_create", args=[city.unit_a.pk, "visits"])
    reason = '=HYPERLINK("x")<b>不同事项</b>'
    data = form_data("visits", site="城关第一社区", leader_name="李主任")
    response = client.post(url, {**data, "confirm_crowding": "on", "crowding_reason": reason})
    assert response.status_code == 302
    visit = ResearchVisit.objects.get(unit=city.unit_a)
    html = client.get(visit.get_absolute_url()).content.decode()
    assert "&lt;b&gt;不同事项&lt;/b&gt;" in html and "<b>不同事项" not in html
    sheet = open_sheet(client.get(reverse("ledgers:ledger_export", args=[city.unit_a.pk, "visits"])))
    cells = [cell for row in sheet.worksheets[0].iter_rows() for cell in row if cell.value == reason]
    assert len(cells) == 1 and cells[0].data_type == "s"


def test_a_follow_up_by_the_same_leader_is_not_warned(client, city):
    make_ledger_row(
        "visits",
        unit=city.unit_a,
        by=city.staff_a,
        site="幸福社区",
        leader_name="王局长",
        visited_on=TODAY() - timedelta(3),
    )
    login(client, city.staff_a)
    url = reverse("ledgers:row_create", args=[city.unit_a.pk, "visits"])
    response = client.post(url, form_data("visits", site="幸福社区", leader_name="王局长"), **HX)
    assert response.status_code == 200 and "HX-Redirect" in response


def test_no_warning_without_crowding(client, city):
    login(client, city.staff_a)
    url = reverse("ledgers:row_create", args=[city.unit_a.pk, "visits"])
    response = client.post(url, form_data("visits", site="偏远山村"), **HX)
    assert response.status_code == 200 and "HX-Redirect" in response


def test_edit_shows_history_with_the_change(client, city):
    session = make_ledger_row("study", unit=city.unit_a, by=city.staff_a, topic="旧主题")
    login(client, city.leader_a)
    url = reverse("ledgers:row_edit", args=["study", session.pk])
    assert 'name="version" value="1"' in client.get(url).content.decode()
    response = client.post(url, form_data("study", topic="新主题", version=1), **HX)
    assert response.status_code == 200
    html = client.get(session.get_absolute_url()).content.decode()
    assert "<del>旧主题</del> → <ins>新主题</ins>" in html
    assert "leader_a" in html and "张三" in html  # who changed it, who recorded it (staff_a's full name)


def test_stale_edit_gets_409(client, city):
    session = make_ledger_row("study", unit=city.unit_a, by=city.staff_a)
    services.ledger_row_update(row=session, by=city.leader_a, data=ledger_defaults("study"), expected_version=1)
    login(client, city.staff_a)
    response = client.post(
        reverse("ledgers:row_edit", args=["study", session.pk]), form_data("study", topic="覆盖", version=1), **HX
    )
    assert response.status_code == 409 and "leader_a" in response.content.decode()
    session.refresh_from_db()
    assert session.topic != "覆盖"


def test_delete_removes_the_row_from_the_book_not_from_history(client, city):
    session = make_ledger_row("study", unit=city.unit_a, by=city.staff_a, topic="要删除的")
    login(client, city.staff_a)
    response = client.post(reverse("ledgers:row_delete", args=["study", session.pk]), {"version": 1})
    assert response.status_code == 302 and response.url == book_url(city, "study")
    assert "要删除的" not in client.get(book_url(city, "study")).content.decode()
    assert client.get(session.get_absolute_url()).status_code == 404
    assert StudySession.all_objects.get(pk=session.pk).history.count() == 2


def test_html_in_ledger_text_is_inert(client, city):
    evil = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    session = make_ledger_row("study", unit=city.unit_a, by=city.staff_a, topic=evil[:200])
    login(client, city.staff_a)
    for url in (book_url(city, "study"), session.get_absolute_url()):
        html = client.get(url).content.decode()
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
        assert '<img src=x onerror="alert(2)">' not in html


def test_a_closed_row_cannot_be_edited(client, city):
    item = make_ledger_row("rectification", unit=city.unit_a, by=city.staff_a, files=[pdf()])
    item = services.rectification_request_close(item=item, by=city.staff_a, expected_version=1, note="x")
    login(client, city.staff_a)
    response = client.get(reverse("ledgers:row_edit", args=["rectification", item.pk]))
    assert response.status_code == 302 and response.url == item.get_absolute_url()
    html = client.get(item.get_absolute_url()).content.decode()
    assert reverse("ledgers:row_edit", args=["rectification", item.pk]) not in html


# ------------------------------------------------------------------------------ close-out through the pages


def test_raise_verify_and_return_through_the_pages(client, city):
    login(client, city.guide)
    raise_url = reverse("ledgers:rectification_raise", args=[city.unit_a.pk])
    assert client.get(raise_url).status_code == 200
    data = form_data("rectification", problem="窗口服务态度生硬")
    response = client.post(raise_url, data)
    item = RectificationItem.objects.get(problem="窗口服务态度生硬")
    assert response.status_code == 302 and response.url == item.get_absolute_url()
    assert item.source == "guidance"

    login(client, city.staff_a)
    assert "巡回指导组反馈" in client.get(book_url(city, "rectification")).content.decode()
    response = client.post(
        reverse("ledgers:close_request", args=[item.pk]),
        {"version": 1, "note": "已开展服务礼仪培训", "files": [pdf("培训签到.pdf")]},
        **HX,
    )
    html = response.content.decode()
    assert response.status_code == 200 and html.strip().startswith('<div id="row-body">') and "培训签到.pdf" in html
    assert (
        client.post(reverse("ledgers:close_review", args=[item.pk]), {"version": 2, "decision": "verify"}).status_code
        == 403
    )

    login(client, city.guide)
    page = client.get(item.get_absolute_url()).content.decode()
    assert reverse("ledgers:close_review", args=[item.pk]) in page
    response = client.post(reverse("ledgers:close_review", args=[item.pk]), {"version": 2, "decision": "return"}, **HX)
    assert response.status_code == 422  # a return needs a reason
    response = client.post(
        reverse("ledgers:close_review", args=[item.pk]),
        {"version": 2, "decision": "return", "reason": "群众仍有投诉"},
        **HX,
    )
    assert response.status_code == 200

    login(client, city.staff_a)
    page = client.get(item.get_absolute_url()).content.decode()
    assert "群众仍有投诉" in page and "销号被退回" in page


def test_milestones_through_the_pages(client, city):
    item = make_ledger_row("rectification", unit=city.unit_a, by=city.staff_a, kind="long_term")
    login(client, city.staff_a)
    url = reverse("ledgers:milestone_add", args=[item.pk])
    for title in ("完成排查", "完成改造"):
        response = client.post(url, {"title": title, "due_on": TODAY().isoformat()}, **HX)
        assert response.status_code == 200
    response = client.post(url, {"title": "", "due_on": "not a date"}, **HX)
    assert response.status_code == 422
    milestone = item.milestones.first()
    response = client.post(reverse("ledgers:milestone_reach", args=[milestone.pk]), **HX)
    assert response.status_code == 200 and "已达成" in response.content.decode()


def test_evidence_is_a_permission_checked_download(client, city):
    item = make_ledger_row("rectification", unit=city.unit_a, by=city.staff_a, files=[pdf("整改前后.pdf")])
    url = reverse("ledgers:evidence_download", args=[item.files.get().pk])
    login(client, city.guide)
    response = client.get(url)
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    login(client, city.staff_b)
    assert client.get(url).status_code == 404


# ------------------------------------------------------------------------------ exports


def open_sheet(response, title=None):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].startswith("attachment")
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    return workbook if title is None else workbook[title]


def test_one_ledger_exports_as_a_sheet_with_real_dates(client, city):
    day = TODAY() - timedelta(days=4)
    make_ledger_row("study", unit=city.unit_a, by=city.staff_a, held_on=day, topic='=HYPERLINK("x")', hours=2.5)
    make_ledger_row("study", unit=city.unit_b, by=city.staff_b)  # another unit: not in A's sheet
    login(client, city.office_city)
    sheet = open_sheet(client.get(reverse("ledgers:ledger_export", args=[city.unit_a.pk, "study"])), "学习记录")
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "UnitA · 学习记录"
    assert rows[1][:5] == ("序号", "日期", "学习形式", "线上或线下", "学习主题")
    (data,) = rows[2:]
    assert data[0] == 1 and data[1].date() == day and data[2] == "理论学习中心组"
    assert data[4] == '=HYPERLINK("x")'  # text, not a live formula
    assert sheet.cell(row=3, column=5).data_type == "s"
    assert float(data[5]) == 2.5 and data[6] == 12


def test_the_book_has_a_sheet_per_ledger(client, city):
    make_ledger_row("deeds", unit=city.unit_a, by=city.staff_a, people_served=120)
    make_ledger_row("rectification", unit=city.unit_a, by=city.staff_a)
    login(client, city.guide)
    workbook = open_sheet(client.get(reverse("ledgers:book_export", args=[city.unit_a.pk])))
    assert len(workbook.sheetnames) == len(LEDGERS)
    deeds = list(workbook["为民办实事清单"].iter_rows(values_only=True))
    assert len(deeds) == 3 and deeds[2][1] == "老旧小区加装电梯" and 120 in deeds[2]
    assert len(list(workbook["学习记录"].iter_rows(values_only=True))) == 2  # title and header only


# ------------------------------------------------------------------------------ crowding page


def test_crowding_page_lists_crowded_sites_and_duplicated_topics_in_scope(client, city):
    for unit, staff, leader in ((city.unit_a, city.staff_a, "甲"), (city.unit_b, city.staff_b, "乙")):
        make_ledger_row("visits", unit=unit, by=staff, site="城关第一社区", leader_name=leader)
        make_ledger_row("topics", unit=unit, by=staff, leader_name=leader)
    unit_a2 = make_unit("UnitA2", parent=city.east, category=city.unit_a.category)
    staff_a2 = make_user(Role.STAFF, unit=unit_a2)
    make_ledger_row("visits", unit=unit_a2, by=staff_a2, site="新桥敬老院", visited_on=TODAY() - timedelta(40))
    make_ledger_row("visits", unit=city.unit_a, by=city.staff_a, site="新桥敬老院")  # 40 days apart: not crowded

    login(client, city.office_city)
    html = client.get(reverse("ledgers:crowding")).content.decode()
    assert "城关第一社区" in html and "UnitA" in html and "UnitB" in html and "新桥敬老院" not in html
    assert "优化营商环境" in html
    login(client, city.office_east)  # unit B is outside East: one visitor left, nothing crowded
    html = client.get(reverse("ledgers:crowding"), **HX).content.decode()
    assert html.strip().startswith('<div id="crowding">') and "城关第一社区" not in html


# ------------------------------------------------------------------------------ another unit: 404 everywhere


def every_ledger_row(city):
    rows = {}
    for ledger in LEDGERS:
        extra = {"document": pdf()} if ledger == "institutions" else {}
        rows[ledger] = make_ledger_row(ledger, unit=city.unit_a, by=city.staff_a, **extra)
    return rows


def test_another_unit_gets_404_for_every_ledger_url(client, city):
    rows = every_ledger_row(city)
    item = rows["rectification"]
    evidence = services.rectification_request_close(
        item=item, by=city.staff_a, expected_version=1, note="x", files=[pdf()]
    ).files.get()
    long_item = make_ledger_row("rectification", unit=city.unit_a, by=city.staff_a, kind="long_term")
    milestone = services.milestone_add(item=long_item, by=city.staff_a, title="x", due_on=TODAY())
    urls = [
        ("get", reverse("ledgers:book", args=[city.unit_a.pk])),
        ("get", reverse("ledgers:book_export", args=[city.unit_a.pk])),
        ("get", reverse("ledgers:rectification_raise", args=[city.unit_a.pk])),
        ("get", reverse("ledgers:milestone_reach", args=[milestone.pk])),
        ("post", reverse("ledgers:milestone_reach", args=[milestone.pk])),
        ("post", reverse("ledgers:milestone_add", args=[long_item.pk])),
        ("post", reverse("ledgers:close_request", args=[long_item.pk])),
        ("post", reverse("ledgers:close_review", args=[item.pk])),
        ("get", reverse("ledgers:evidence_download", args=[evidence.pk])),
        ("get", reverse("ledgers:document_download", args=[rows["institutions"].pk])),
    ]
    for ledger, row in rows.items():
        urls += [
            ("get", reverse("ledgers:row_create", args=[city.unit_a.pk, ledger])),
            ("post", reverse("ledgers:row_create", args=[city.unit_a.pk, ledger])),
            ("get", reverse("ledgers:ledger_export", args=[city.unit_a.pk, ledger])),
            ("get", reverse("ledgers:row_detail", args=[ledger, row.pk])),
            ("get", reverse("ledgers:row_edit", args=[ledger, row.pk])),
            ("post", reverse("ledgers:row_edit", args=[ledger, row.pk])),
            ("post", reverse("ledgers:row_delete", args=[ledger, row.pk])),
        ]
    for user in (city.staff_b, make_user(Role.OFFICE, unit=city.west)):
        login(client, user)
        for method, url in urls:
            response = getattr(client, method)(url, {"version": 1})
            expected = 405 if (method == "get" and "reach" in url) else 404
            assert response.status_code == expected, (user, method, url, response.status_code)


def test_writes_are_never_get(client, city):
    item = make_ledger_row("rectification", unit=city.unit_a, by=city.staff_a)
    login(client, city.staff_a)
    for name in ("close_request", "close_review", "milestone_add"):
        assert client.get(reverse(f"ledgers:{name}", args=[item.pk])).status_code == 405
    assert client.get(reverse("ledgers:row_delete", args=["rectification", item.pk])).status_code == 405


# ------------------------------------------------------------------------------ query counts


def fill(city, n: int):
    """n rows in every ledger of unit A, with links, staged targets and files where a ledger has them."""
    for i in range(n):
        rows = every_ledger_row(city)
        make_ledger_row("visits", unit=city.unit_b, by=city.staff_b, site=f"幸福社区{i}")
        make_ledger_row("visits", unit=city.unit_a, by=city.staff_a, site=f"幸福社区{i}", leader_name=f"领导{i}")
        item = rows["rectification"]
        services.milestone_add(
            item=make_ledger_row("rectification", unit=city.unit_a, by=city.staff_a, kind="long_term"),
            by=city.staff_a,
            title=f"阶段{i}",
            due_on=TODAY(),
        )
        services.ledger_row_update(
            row=rows["institutions"],
            by=city.staff_a,
            data={**ledger_defaults("institutions"), "problems": [item]},
            expected_version=1,
        )
        services.ledger_row_update(
            row=rows["study"], by=city.staff_a, data={**ledger_defaults("study"), "topic": f"改{i}"}, expected_version=1
        )
    return rows


# session, user, scope, unit, campaign, book counts, rows (+ one prefetch where a ledger has linked rows)
BOOK_QUERIES = {ledger: 7 for ledger in LEDGERS} | {"rectification": 8, "institutions": 8}
# session, user, scope, campaign, how many units (a wide scope reads a snapshot), crowded clusters +
# their latest visits, duplicated titles (+ their first topics, read only when a title repeats: not
# in this data)
CROWDING_QUERIES = 8
# session, user, scope, row, history; rectification: + staged targets (column and list), files, events;
# institutions: + linked problems (column and list).
DETAIL_QUERIES = {"study": 5, "rectification": 9, "institutions": 7}


@pytest.mark.parametrize("ledger", sorted(LEDGERS))
def test_book_queries_are_pinned_and_do_not_grow(client, city, django_assert_num_queries, ledger):
    login(client, city.staff_a)
    fill(city, 1)
    with django_assert_num_queries(BOOK_QUERIES[ledger]):
        assert client.get(book_url(city, ledger)).status_code == 200
    fill(city, 6)
    with django_assert_num_queries(BOOK_QUERIES[ledger]):
        assert client.get(book_url(city, ledger)).status_code == 200


def test_crowding_queries_are_pinned_and_do_not_grow(client, city, django_assert_num_queries):
    login(client, city.office_city)
    fill(city, 1)
    with django_assert_num_queries(CROWDING_QUERIES):
        html = client.get(reverse("ledgers:crowding")).content.decode()
    assert "幸福社区0" in html
    fill(city, 6)
    with django_assert_num_queries(CROWDING_QUERIES):
        html = client.get(reverse("ledgers:crowding")).content.decode()
    assert "幸福社区5" in html


@pytest.mark.parametrize("ledger", sorted(DETAIL_QUERIES))
def test_detail_queries_are_pinned_and_do_not_grow(client, city, django_assert_num_queries, ledger):
    login(client, city.staff_a)
    row = fill(city, 1)[ledger]
    with django_assert_num_queries(DETAIL_QUERIES[ledger]):
        assert client.get(row.get_absolute_url()).status_code == 200
    for i in range(5):  # more history, more files
        row = type(row).objects.get(pk=row.pk)
        if ledger == "rectification":
            services.ledger_row_update(
                row=row, by=city.staff_a, data=ledger_defaults(ledger), expected_version=row.version, files=[pdf()]
            )
        else:
            data = {**ledger_defaults(ledger), "title" if ledger == "institutions" else "topic": f"第{i}版"}
            services.ledger_row_update(row=row, by=city.staff_a, data=data, expected_version=row.version)
    with django_assert_num_queries(DETAIL_QUERIES[ledger]):
        assert client.get(row.get_absolute_url()).status_code == 200


def test_crowding_page_shows_the_busiest_and_counts_the_rest(client, city, monkeypatch):
    from tracker.ledgers import crowding

    monkeypatch.setattr(crowding, "CROWDING_SHOWN", 1)
    for site, leaders in (("甲村", ("一", "二", "三")), ("乙村", ("一", "二"))):
        for leader in leaders:
            make_ledger_row("visits", unit=city.unit_a, by=city.staff_a, site=site, leader_name=leader)
    login(client, city.office_city)
    html = client.get(reverse("ledgers:crowding")).content.decode()
    assert "甲村" in html and "乙村" not in html  # three visitors beat two
    assert "仅显示 2 个扎堆调研点位中最集中的 1 个" in html


def test_the_embedded_default_finds_the_same_crowded_sites_and_duplicated_topics(city, monkeypatch):
    """SQLite has no windows over groups or arrays: its Python path gives the PostgreSQL path's rows."""
    from django.db import connection

    from tracker.ledgers import selectors

    if connection.vendor != "postgresql":
        pytest.skip("compares against the PostgreSQL statement")
    units = [city.unit_a, city.unit_b]
    staff = {city.unit_a.pk: city.staff_a, city.unit_b.pk: city.staff_b}
    for n, (site, days, leader) in enumerate(
        [
            ("城关第一社区", 0, "甲"),
            ("城关第一社区", 3, "乙"),
            ("城关第一社区", 25, "甲"),
            ("城关第一社区", 27, "丙"),
            ("新桥敬老院", 1, "甲"),
            ("新桥敬老院", 35, "乙"),
            ("河西村", 2, "甲"),
            ("河西村", 4, "甲"),
        ]
    ):
        unit = units[n % 2]
        make_ledger_row(
            "visits", unit=unit, by=staff[unit.pk], site=site, leader_name=leader, visited_on=TODAY() - timedelta(days)
        )
    for unit in units:
        make_ledger_row("topics", unit=unit, by=staff[unit.pk], leader_name="甲")
    on_postgres = (
        selectors.crowded_sites_page(user=city.office_city, campaign=city.campaign),
        selectors.duplicated_topics_page(user=city.office_city, campaign=city.campaign),
    )
    monkeypatch.setattr(connection, "vendor", "sqlite")
    in_python = (
        selectors.crowded_sites_page(user=city.office_city, campaign=city.campaign),
        selectors.duplicated_topics_page(user=city.office_city, campaign=city.campaign),
    )
    assert on_postgres[0][1] >= 2 and on_postgres[1][1] == 1
    assert in_python == on_postgres
