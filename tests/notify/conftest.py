from __future__ import annotations

import pytest

from tests.notify.providers import Providers


@pytest.fixture
def providers(settings):
    """The local WeCom/DingTalk/SMS server, with the channels' settings pointing at it."""
    server = Providers().start()
    for name, value in server.settings().items():
        setattr(settings, name, value)
    yield server
    server.stop()


@pytest.fixture
def channels_off(settings):
    for name in ("WECOM_CORP_ID", "DINGTALK_APP_KEY", "SMS_GATEWAY_URL"):
        setattr(settings, name, "")
