"""At 375 px the header is one line (site name and a "Menu" button that opens the links), the
current page is marked, and no page scrolls sideways; on a wide screen the links stay inline."""

from __future__ import annotations

import pytest

from tests.browser.test_unit_workflow import PHONE, browser, page_for  # noqa: F401 - shared fixtures

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def header_is_one_line(page) -> None:
    """The header's content box is no taller than one line of its text (plus the button's border)."""
    content, line = page.evaluate(
        """() => {
        const h = document.querySelector('header.topbar'), s = getComputedStyle(h);
        const content = h.getBoundingClientRect().height - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom);
        return [content, parseFloat(getComputedStyle(document.querySelector('.menu > summary')).lineHeight)];
    }"""
    )
    assert content < 1.5 * line, (content, line)


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.parametrize(
    ("username", "links"),
    [
        ("staff_a", ["我的工作", "邮件提醒"]),
        ("office_city", ["我的工作", "工作看板", "单位", "审核", "邮件提醒"]),
    ],
)
def test_phone_header_is_one_line_with_a_menu(city, page_for, live_server, username, links):  # noqa: F811
    page = page_for(username)
    pages = [
        f"{live_server.url}/",
        f"{live_server.url}/units/{city.unit_a.pk}/",
        f"{live_server.url}/tasks/{city.task_a().pk}/",
    ]
    for url in pages:
        page.goto(url)
        header_is_one_line(page)
        no_sideways_scroll(page)
        assert not page.locator("nav.nav").is_visible()  # closed until asked for

    page.goto(pages[0])
    summary = page.locator(".menu > summary")
    assert summary.inner_text().startswith("菜单")
    summary.focus()
    page.keyboard.press("Enter")  # keyboard opens it
    nav = page.locator("nav.nav")
    assert nav.is_visible()
    for text in links:
        assert nav.get_by_role("link", name=text, exact=True).is_visible()
    assert page.locator("form.lang button").is_visible() and page.get_by_role("button", name="退出登录").is_visible()
    assert nav.locator("[aria-current=page]").all_inner_texts() == ["我的工作"]
    no_sideways_scroll(page)

    nav.get_by_role("link", name="邮件提醒", exact=True).click()
    page.wait_for_url("**/reminders/settings/")
    assert page.locator("nav.nav [aria-current=page]").all_text_contents() == ["邮件提醒"]
    header_is_one_line(page)


def test_wide_screen_keeps_the_links_inline(city, page_for, live_server):  # noqa: F811
    page = page_for("office_city")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/")
    assert not page.locator(".menu > summary").is_visible()
    assert page.get_by_role("link", name="工作看板", exact=True).is_visible()
    assert page.get_by_role("button", name="退出登录").is_visible()
    header = page.locator("header.topbar").bounding_box()
    assert header is not None and header["height"] < 80  # one row of links
