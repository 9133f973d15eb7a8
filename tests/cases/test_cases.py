"""Model cases (典型案例, issue 15 item 6): guides propose, the office features or declines, everyone reads."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import login
from tests.factories import TaskFactory, make_ledger_row
from tracker.campaigns.services import campaign_close
from tracker.cases.models import CaseStatus, ModelCase
from tracker.cases.services import case_decide, case_propose
from tracker.core.concurrency import StaleVersion

pytestmark = pytest.mark.django_db


def _self_chosen(city, title="红色教育基地共建"):
    return TaskFactory(campaign=city.campaign, unit=city.unit_a, measure=city.study, title=title)


def test_a_guides_proposal_waits_for_the_office_which_features_it(city):
    task = _self_chosen(city)
    case = case_propose(by=city.guide, task=task, citation="  与社区共建，  群众认可 ")
    assert (case.status, case.citation, case.unit, case.decided_by) == (
        CaseStatus.PROPOSED,
        "与社区共建， 群众认可",
        city.unit_a,
        None,
    )
    task.refresh_from_db()
    assert not task.is_featured
    with pytest.raises(PermissionDenied):
        case_decide(case=case, by=city.guide, feature=True, version=case.version)
    case = case_decide(case=case, by=city.office_east, feature=True, note="可推广", version=case.version)
    task.refresh_from_db()
    assert case.status == CaseStatus.FEATURED and case.decided_by == city.office_east and task.is_featured
    assert [r.status for r in case.history.order_by("history_id")] == [CaseStatus.PROPOSED, CaseStatus.FEATURED]
    # Withdrawn later: the task's flag follows the case.
    case = case_decide(case=case, by=city.office_city, feature=False, note="撤回", version=case.version)
    task.refresh_from_db()
    assert case.status == CaseStatus.DECLINED and not task.is_featured


def test_the_office_features_a_deed_at_once_and_a_declined_proposal_can_be_reopened(city):
    deed = make_ledger_row("deeds", unit=city.unit_a, by=city.staff_a)
    case = case_propose(by=city.office_city, deed=deed, citation="解决群众急难愁盼")
    assert case.status == CaseStatus.FEATURED and case.title == deed.title and case.task is None
    task = city.task_a()
    proposed = case_propose(by=city.guide, task=task, citation="学得扎实")
    declined = case_decide(case=proposed, by=city.office_east, feature=False, version=proposed.version)
    again = case_propose(by=city.guide, task=task, citation="又有新进展")
    assert again.pk == declined.pk and again.status == CaseStatus.PROPOSED and again.citation == "又有新进展"
    assert ModelCase.objects.count() == 2


def test_bad_proposals_and_decisions_are_refused_and_write_nothing(city):
    task = _self_chosen(city)
    with pytest.raises(ValidationError) as blank:
        case_propose(by=city.guide, task=task, citation="   ")
    assert list(blank.value.message_dict) == ["citation"]
    with pytest.raises(ValidationError):
        case_propose(by=city.guide, task=task, citation="长" * 201)
    with pytest.raises(PermissionDenied):
        case_propose(by=city.staff_a, task=task, citation="自荐")  # units do not feature themselves
    with pytest.raises(PermissionDenied):
        case_propose(
            by=city.office_east,
            task=TaskFactory(campaign=city.campaign, unit=city.unit_b, measure=city.study, title="x"),
            citation="好",
        )
    assert ModelCase.objects.count() == 0
    case = case_propose(by=city.guide, task=task, citation="好做法")
    case_decide(case=case, by=city.office_east, feature=True, version=case.version)
    with pytest.raises(StaleVersion):  # a second office's page still showed the proposal
        case_decide(case=case, by=city.office_city, feature=False, version=case.version)
    with pytest.raises(ValidationError):  # already featured
        case_propose(by=city.guide, task=task, citation="再次")
    campaign_close(campaign=city.campaign, by=city.office_city)
    with pytest.raises(ValidationError):
        case_propose(by=city.guide, task=city.task_a(), citation="已关闭")


def test_the_case_page_shows_each_reader_their_scope_with_pinned_queries(client, city, django_assert_num_queries):
    login(client, city.staff_b)
    other = TaskFactory(campaign=city.campaign, unit=city.unit_b, measure=city.study, title="西区典型")
    case_propose(by=city.office_city, task=other, citation="西区做法")
    for n in range(3):
        case_propose(by=city.office_city, task=_self_chosen(city, f"典型{n}"), citation=f"做法{n}")
        case_propose(by=city.guide, task=_self_chosen(city, f"提名{n}"), citation=f"提名理由{n}")
        deed = make_ledger_row("deeds", unit=city.unit_a, by=city.staff_a, title=f"实事{n}")
        case_propose(by=city.office_city, deed=deed, citation=f"实事做法{n}")
        login(client, city.office_east)
        # session, user, roles, campaign, count, featured page, proposals
        with django_assert_num_queries(7):
            response = client.get(reverse("cases:list"))
        assert response.status_code == 200
    body = response.content.decode()
    assert "典型2" in body and "实事做法2" in body and "提名理由2" in body and "西区做法" not in body
    assert all(row.may_decide for row in response.context["proposals"])
    login(client, city.staff_a)
    body = client.get(reverse("cases:list")).content.decode()
    assert "典型0" in body and "提名理由0" not in body  # units see featured cases, not proposals


def test_proposing_and_deciding_through_the_pages(client, city):
    task = _self_chosen(city)
    login(client, city.guide)
    url = reverse("cases:task_propose", args=[task.pk])
    assert client.post(url, {"citation": ""}).status_code == 422
    response = client.post(url, {"citation": "共建基地，做法可复制"})
    assert response.status_code == 302 and response.url == reverse("cases:list")
    case = ModelCase.objects.get()
    login(client, city.office_east)
    decide = reverse("cases:decide", args=[case.pk])
    assert client.post(decide, {"feature": "1", "version": case.version, "note": ""}).status_code == 302
    stale = client.post(decide, {"feature": "0", "version": case.version, "note": ""})
    assert stale.status_code == 409 and stale.context["stale"]
    case.refresh_from_db()
    assert case.status == CaseStatus.FEATURED
    login(client, city.staff_a)
    assert 'id="task-model-case"' in client.get(reverse("work:task_detail", args=[task.pk])).content.decode()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(["guide", "office_east", "decide"]), st.booleans()), max_size=6))
def test_the_task_flag_always_follows_its_case(city, steps):
    """Whatever the order of proposals and decisions, a task is featured exactly when its case is."""
    task = _self_chosen(city, "任意顺序")
    for who, feature in steps:
        case = ModelCase.objects.filter(task=task).first()
        try:
            if who == "decide" and case is not None:
                case_decide(case=case, by=city.office_east, feature=feature, version=case.version)
            elif who != "decide":
                case_propose(by=getattr(city, who), task=task, citation="做法")
        except ValidationError:
            assert case is not None and case.status == CaseStatus.FEATURED  # only "already featured"
        task.refresh_from_db()
        case = ModelCase.objects.filter(task=task).first()
        assert task.is_featured == (case is not None and case.status == CaseStatus.FEATURED)
    ModelCase.objects.filter(task=task).delete()
    task.delete()
