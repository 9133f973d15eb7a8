"""The crowding watch of a wide scope: a background job's snapshot, renewed when stale, equal to
what the live page shows, never shown to another scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import login
from tests.factories import make_ledger_row
from tracker.jobs.models import Job, JobStatus
from tracker.jobs.services import job_run
from tracker.ledgers import crowding
from tracker.ledgers.models import CrowdingSnapshot

CROWDING = reverse("ledgers:crowding")
# session, user, scope, campaign, how many units, the snapshot, the latest renewal job, the shown
# sites' latest visits (the titles' first topics only when a title repeats: not in this data)
SNAPSHOT_QUERIES = 8


@pytest.fixture
def visits(city):
    for site, leaders in (("甲村", ("一", "二", "三")), ("乙村", ("一", "二")), ("丙村", ("一",))):
        for leader in leaders:
            make_ledger_row("visits", unit=city.unit_a, by=city.staff_a, site=site, leader_name=leader)
    make_ledger_row("visits", unit=city.unit_b, by=city.staff_b, site="乙村", leader_name="四")


def _names(context):
    sites = [(s.site, s.visit_count, s.visitors, s.units, [v.pk for v in s.visits]) for s in context["crowded_sites"]]
    topics = [(t.title, t.topic_count, t.units) for t in context["duplicated_topics"]]
    return sites, context["crowded_total"], topics, context["duplicated_total"]


def _run_queued():
    for job in Job.objects.filter(kind=crowding.CROWDING_SNAPSHOT, status=JobStatus.QUEUED):
        job_run(job_id=job.pk)


@pytest.mark.django_db(transaction=True)
def test_a_wide_scope_reads_the_snapshot_its_job_computed(client, city, visits, settings):
    login(client, city.office_city)
    live = _names(client.get(CROWDING).context)
    assert live[1] == 2 and not Job.objects.filter(kind=crowding.CROWDING_SNAPSHOT).exists()

    settings.CROWDING_LIVE_MAX_UNITS = 2  # the city's units now make it a wide scope
    first = client.get(CROWDING)
    assert first.context["snapshot_wide"] and first.context["snapshot_job"] is not None
    body = first.content.decode()
    assert "甲村" not in body and 'hx-trigger="every 2s"' in body  # nothing yet; the page polls
    # A second visit while it runs starts nothing more.
    client.get(CROWDING)
    assert Job.objects.filter(kind=crowding.CROWDING_SNAPSHOT).count() == 1

    _run_queued()
    # The polling fragment now carries the lists and stops polling.
    fragment = client.get(CROWDING, headers={"HX-Request": "true"}).content.decode()
    assert "甲村" in fragment and "every 2s" not in fragment and "<html" not in fragment
    done = client.get(CROWDING)
    assert _names(done.context) == live  # the same lists as the live page
    assert done.context["snapshot_at"] is not None and done.context["snapshot_job"] is None

    # Another scope never reads this one's snapshot: the East office gets its own.
    login(client, city.office_east)
    assert client.get(CROWDING).context["snapshot_at"] is None
    assert CrowdingSnapshot.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_stale_snapshot_is_shown_while_a_job_renews_it(client, city, visits, settings):
    settings.CROWDING_LIVE_MAX_UNITS = 2
    login(client, city.office_city)
    client.get(CROWDING)
    _run_queued()
    old = timezone.now() - timedelta(minutes=settings.CROWDING_SNAPSHOT_MAX_AGE_MINUTES + 1)
    CrowdingSnapshot.objects.update(computed_at=old)
    Job.objects.update(created_at=old)
    make_ledger_row("visits", unit=city.unit_b, by=city.staff_b, site="丙村", leader_name="五")

    stale = client.get(CROWDING)
    assert stale.context["snapshot_job"] is not None and "甲村" in stale.content.decode()
    assert "丙村" not in stale.content.decode()  # the old lists, until the job is done
    _run_queued()
    assert "丙村" in client.get(CROWDING).content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_failed_renewal_is_not_restarted_on_every_visit(client, city, visits, settings):
    settings.CROWDING_LIVE_MAX_UNITS = 2
    login(client, city.office_city)
    client.get(CROWDING)
    Job.objects.update(status=JobStatus.FAILED, finished_at=timezone.now())
    page = client.get(CROWDING)
    assert page.context["snapshot_failed"] is not None and page.context["snapshot_job"] is None
    assert Job.objects.count() == 1
    # The office asks again: one new job.
    response = client.post(reverse("ledgers:crowding_refresh"))
    assert response.status_code == 302 and Job.objects.filter(status=JobStatus.QUEUED).count() == 1
    client.post(reverse("ledgers:crowding_refresh"))  # a second click while it is queued adds none
    assert Job.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_snapshot_page_queries_are_pinned(client, city, visits, settings, django_assert_num_queries):
    settings.CROWDING_LIVE_MAX_UNITS = 2
    login(client, city.office_city)
    client.get(CROWDING)
    _run_queued()
    with django_assert_num_queries(SNAPSHOT_QUERIES):
        assert "甲村" in client.get(CROWDING).content.decode()
    for i in range(5):
        make_ledger_row("visits", unit=city.unit_b, by=city.staff_b, site=f"丁村{i}", leader_name="六")
    with django_assert_num_queries(SNAPSHOT_QUERIES):
        assert client.get(CROWDING).status_code == 200
