"""The people's verdict: a phone answers a deed's public survey without logging in; the office sees it."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from tests.conftest import login
from tests.factories import make_ledger_row
from tracker.surveys import services
from tracker.surveys.models import SurveyResponse

ANSWER = {"aware": "yes", "helped": "yes", "score": "5", "comment": "很好"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def deed(city):
    return make_ledger_row(
        "deeds", unit=city.unit_a, by=city.staff_a, responsible="内部责任人甲", target="内部目标乙", satisfaction=99
    )


@pytest.fixture
def survey(city, deed):
    return services.survey_open(
        by=city.staff_a,
        subject=deed,
        public_title="老旧小区加装电梯",
        ends_on=timezone.localdate() + timedelta(days=10),
    )


def public(survey):
    return reverse("surveys:public", args=[survey.token])


def test_phone_answers_and_office_sees_the_score_change(client, city, survey):
    office = login(type(client)(), city.office_city)
    before = office.get(reverse("surveys:results"))
    assert before.context["results"].total.responses == 0

    phone = type(client)()
    page = phone.get(public(survey))
    assert page.status_code == 200 and "老旧小区加装电梯" in page.content.decode()
    answered = phone.post(public(survey), {**ANSWER, "score": "4"})
    assert answered.status_code == 200 and answered.context["thanks"]

    after = office.get(reverse("surveys:results"))
    (row,) = after.context["results"].rows
    assert (row.tally.responses, row.tally.satisfaction, row.self_reported) == (1, 100, 99)
    assert "自评" in after.content.decode() or "self-reported" in after.content.decode()


def test_a_second_answer_from_the_same_device_is_refused(client, survey):
    assert client.post(public(survey), ANSWER).status_code == 200
    again = client.post(public(survey), ANSWER)
    assert again.status_code == 409
    assert SurveyResponse.objects.filter(survey=survey).count() == 1
    # Opening the page again says so instead of showing the form.
    assert client.get(public(survey)).context["answered"]


def test_the_public_page_shows_nothing_internal(client, survey):
    html = client.get(public(survey)).content.decode()
    for internal in ("内部责任人甲", "内部目标乙", f"/ledgers/deeds/{survey.deed_id}/", "99"):
        assert internal not in html


def test_answers_after_the_end_date_are_refused(client, survey):
    survey.ends_on = timezone.localdate() - timedelta(days=1)
    survey.save()
    assert client.get(public(survey)).context["closed"]
    assert client.post(public(survey), ANSWER).status_code == 410
    assert not SurveyResponse.objects.exists()


def test_spam_from_one_address_is_cut_off(client, survey):
    """Hundreds of answers from one address without cookies: at most the hourly limit counts."""
    limit = services.ANSWERS_PER_ADDRESS_PER_HOUR
    statuses = [type(client)().post(public(survey), ANSWER).status_code for _ in range(limit + 5)]
    assert statuses.count(200) == limit and statuses[limit:] == [429] * 5
    assert SurveyResponse.objects.filter(survey=survey).count() == limit


def test_one_time_codes_admit_one_answer_each(client, city, deed):
    survey = services.survey_open(
        by=city.staff_a, subject=deed, public_title="t", ends_on=timezone.localdate(), uses_codes=True
    )
    (code,) = services.survey_codes_issue(survey=survey, by=city.staff_a, count=1)
    assert client.post(public(survey), ANSWER).status_code == 400  # the code is required
    assert type(client)().post(public(survey), {**ANSWER, "code": "WRONGONE"}).status_code == 400
    assert type(client)().post(public(survey), {**ANSWER, "code": code.code.lower()}).status_code == 200
    used = type(client)().post(public(survey), {**ANSWER, "code": code.code})
    assert used.status_code == 409 and "该答卷码已被使用" in used.content.decode()
    assert SurveyResponse.objects.filter(survey=survey).count() == 1


def test_a_rectification_item_must_affect_the_public(city):
    from django.core.exceptions import ValidationError

    item = make_ledger_row("rectification", unit=city.unit_a, by=city.staff_a)
    with pytest.raises(ValidationError):
        services.survey_open(by=city.staff_a, subject=item, public_title="t", ends_on=timezone.localdate())
    public_item = make_ledger_row("rectification", unit=city.unit_a, by=city.staff_a, affects_public=True)
    assert services.survey_open(by=city.staff_a, subject=public_item, public_title="t", ends_on=timezone.localdate())


def test_unit_opens_a_survey_and_gets_a_qr_code(client, city, deed):
    login(client, city.staff_a)
    url = reverse("surveys:open", args=["deeds", deed.pk])
    ends = (timezone.localdate() + timedelta(days=5)).isoformat()
    response = client.post(url, {"public_title": "加装电梯满意度", "ends_on": ends})
    assert response.status_code == 302
    survey = deed.survey
    assert client.get(url).url == reverse("surveys:detail", args=[survey.pk])  # one survey per deed
    qr = client.get(reverse("surveys:qr", args=[survey.pk]))
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content


def test_results_export_writes_text_cells(client, city, deed):
    survey = services.survey_open(
        by=city.staff_a, subject=deed, public_title="=HYPERLINK(1)", ends_on=timezone.localdate()
    )
    client.post(public(survey), ANSWER)
    login(client, city.office_city)
    response = client.get(reverse("surveys:export"))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][3] == "=HYPERLINK(1)" and rows[1][4] == 1 and rows[1][5] == 100


def test_results_page_queries_do_not_grow(client, city, django_assert_num_queries):
    login(client, city.office_city)
    for n in range(3):
        deed = make_ledger_row("deeds", unit=city.unit_a, by=city.staff_a, title=f"实事{n}")
        services.survey_open(by=city.staff_a, subject=deed, public_title=f"实事{n}", ends_on=timezone.localdate())
        # session, user, roles, campaign, surveys with their tallies
        with django_assert_num_queries(5):
            client.get(reverse("surveys:results"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.dictionaries(
        st.sampled_from(["aware", "helped", "score", "comment", "code", "csrfmiddlewaretoken"]),
        st.one_of(st.text(max_size=600), st.sampled_from(["yes", "no", "partly", "1", "5", "0", "6", "-1", ""])),
    ),
    cookie=st.one_of(
        st.none(),
        st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters=';,"\\'), max_size=80),
    ),
)
def test_fuzz_the_public_page(client, survey, data, cookie):
    """Whatever is posted: never a 500, never a second answer from one device, nothing internal shown."""
    cache.clear()
    if cookie is not None:
        client.cookies["ct_device"] = cookie
    before = SurveyResponse.objects.count()
    response = client.post(public(survey), data)
    assert response.status_code in (200, 400, 409, 429)
    assert SurveyResponse.objects.count() - before in (0, 1)
    assert (
        SurveyResponse.objects.filter(survey=survey).values("device").distinct().count()
        == SurveyResponse.objects.filter(survey=survey).count()
    )
    assert "内部责任人甲" not in response.content.decode()


def test_the_ledger_row_points_to_the_survey(client, city, survey):
    login(client, city.office_city)
    html = client.get(survey.deed.get_absolute_url()).content.decode()
    assert "自评" in html and reverse("surveys:detail", args=[survey.pk]) in html
