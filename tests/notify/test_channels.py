"""Each adapter against the local provider server: request shapes, tokens, rate limits, unknown users."""

from __future__ import annotations

import json

import pytest

from tracker.notify import channels
from tracker.notify.models import AccessToken

pytestmark = pytest.mark.django_db

MESSAGE = channels.Message(subject="逾期提醒：学习任务", body="请于本周五前完成。", url="http://testserver/n/abc/")


def test_wecom_sends_a_text_card_with_the_documented_shape(providers):
    answer = channels.adapter("wecom").send("ZhangSan", MESSAGE)
    assert json.loads(answer)["errcode"] == 0
    (sent,) = providers.received["wecom"]
    assert sent == {
        "touser": "ZhangSan",
        "msgtype": "textcard",
        "agentid": 1000002,
        "textcard": {"title": MESSAGE.subject, "description": MESSAGE.body, "url": MESSAGE.url, "btntxt": "详情"},
        "enable_duplicate_check": 1,
        "duplicate_check_interval": 1800,
    }
    assert [r[:2] for r in providers.requests] == [("GET", "/cgi-bin/gettoken"), ("POST", "/cgi-bin/message/send")]


def test_wecom_drops_a_resend_of_the_same_message(providers):
    wecom = channels.adapter("wecom")
    wecom.send("a", MESSAGE)
    wecom.send("a", MESSAGE)  # a relay that died after the first send, resending
    assert len(providers.received["wecom"]) == 1


def test_wecom_token_is_cached_across_sends_and_refreshed_on_42001(providers):
    wecom = channels.adapter("wecom")
    wecom.send("a", MESSAGE)
    wecom.send("b", MESSAGE)
    assert providers.token_calls["wecom"] == 1
    providers.expire("wecom")  # the provider now answers 42001 for the cached token
    wecom.send("c", MESSAGE)
    assert providers.token_calls["wecom"] == 2
    assert [m["touser"] for m in providers.received["wecom"]] == ["a", "b", "c"]
    assert AccessToken.objects.get(channel="wecom").token == "wecom-token-2"


def test_wecom_rate_limit_is_a_retry_with_a_pause_and_unknown_user_is_permanent(providers):
    providers.rate_limit["wecom"] = 1
    with pytest.raises(channels.Retry) as retry:
        channels.adapter("wecom").send("a", MESSAGE)
    assert retry.value.after and "45009" in retry.value.answer
    providers.unknown.add("ghost")
    with pytest.raises(channels.Permanent) as refused:
        channels.adapter("wecom").send("ghost", MESSAGE)
    assert "81013" in refused.value.answer


def test_wecom_long_text_is_clipped_to_the_cards_byte_limit(providers):
    channels.adapter("wecom").send("a", channels.Message(subject="s", body="长" * 400, url="http://x/"))
    assert len(providers.received["wecom"][0]["textcard"]["description"].encode()) <= 512


def test_dingtalk_sends_a_work_notification_and_refreshes_on_40014(providers):
    dingtalk = channels.adapter("dingtalk")
    answer = dingtalk.send("manager1", MESSAGE)
    assert json.loads(answer)["task_id"]
    (sent,) = providers.received["dingtalk"]
    assert sent["agent_id"] == 2000003 and sent["userid_list"] == "manager1"
    assert sent["msg"]["msgtype"] == "action_card"
    assert sent["msg"]["action_card"]["single_url"] == MESSAGE.url
    assert sent["msg"]["action_card"]["title"] == MESSAGE.subject
    providers.expire("dingtalk")
    dingtalk.send("manager2", MESSAGE)
    assert providers.token_calls["dingtalk"] == 2 and len(providers.received["dingtalk"]) == 2


def test_dingtalk_rate_limit_and_unknown_user(providers):
    providers.rate_limit["dingtalk"] = 1
    with pytest.raises(channels.Retry) as retry:
        channels.adapter("dingtalk").send("m", MESSAGE)
    assert retry.value.after and "90018" in retry.value.answer
    providers.unknown.add("nobody")
    with pytest.raises(channels.Permanent):
        channels.adapter("dingtalk").send("nobody", MESSAGE)


def test_sms_gateway_template_shape_rate_limit_and_bad_number(providers):
    channels.adapter("sms").send("13800138000", MESSAGE)
    (sent,) = providers.received["sms"]
    assert sent["PhoneNumbers"] == "13800138000" and sent["TemplateCode"] == "CAMPAIGN_NOTICE"
    assert json.loads(sent["TemplateParam"]) == {"title": MESSAGE.subject, "url": MESSAGE.url}
    providers.rate_limit["sms"] = 1
    with pytest.raises(channels.Retry):
        channels.adapter("sms").send("13800138000", MESSAGE)
    providers.unknown.add("13900000000")
    with pytest.raises(channels.Permanent):
        channels.adapter("sms").send("13900000000", MESSAGE)


def test_wrong_secret_and_unreachable_provider_are_retried_not_dropped(providers, settings):
    settings.WECOM_SECRET = "wrong"
    with pytest.raises(channels.Retry) as retry:
        channels.adapter("wecom").send("a", MESSAGE)
    assert "40001" in retry.value.answer
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/sms/send"  # nothing listens on the discard port
    with pytest.raises(channels.Retry):
        channels.adapter("sms").send("13800138000", MESSAGE)


def test_a_channel_without_settings_is_off(channels_off):
    assert channels.active_channels() == ["mail"]


def test_notify_test_command_sends_one_message_and_prints_the_answer(providers):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from tests.factories import make_user
    from tracker.notify.models import Profile

    staff = make_user(username="staff")
    Profile.objects.create(user=staff, wecom_id="staff")
    out = StringIO()
    call_command("notify_test", user="staff", channel="wecom", stdout=out)
    assert '"errcode": 0' in out.getvalue() and providers.received["wecom"][0]["touser"] == "staff"
    with pytest.raises(CommandError, match="staff"):  # has no DingTalk id
        call_command("notify_test", user="staff", channel="dingtalk")
    Profile.objects.create(user=make_user(username="left"), wecom_id="left")
    providers.unknown.add("left")  # no longer in the WeCom directory
    with pytest.raises(CommandError, match="81013"):
        call_command("notify_test", user="left", channel="wecom")
    with pytest.raises(CommandError, match="No user"):
        call_command("notify_test", user="ghost", channel="mail")
