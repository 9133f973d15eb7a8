from datetime import date

import pytest
from django.http import Http404

from tests.factories import CampaignFactory
from tracker.campaigns.selectors import current_campaign, current_campaign_or_404

pytestmark = pytest.mark.django_db


def test_no_campaign_is_none_or_404():
    assert current_campaign() is None
    with pytest.raises(Http404):
        current_campaign_or_404()


def test_the_active_campaign_that_started_last_is_current():
    CampaignFactory(code="old", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31), is_active=True)
    newer = CampaignFactory(code="new", starts_on=date(2026, 6, 1), ends_on=date(2026, 12, 31), is_active=True)
    CampaignFactory(code="off", starts_on=date(2026, 9, 1), ends_on=date(2026, 12, 31), is_active=False)
    assert current_campaign() == newer
    assert current_campaign_or_404() == newer
