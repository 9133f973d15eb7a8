"""The channels: e-mail, WeCom (政务微信/企业微信), DingTalk (专有钉钉/浙政钉) and an SMS gateway.

Each adapter sends one message to one address and either returns the provider's answer or
raises `Retry` (try again later: network, rate limit, busy) or `Permanent` (never retry:
unknown user, bad number, blocked). A channel without its settings is off.

Request shapes follow the providers' documentation:
- WeCom: GET {WECOM_BASE_URL}/cgi-bin/gettoken?corpid&corpsecret → access_token, expires_in;
  POST /cgi-bin/message/send?access_token= {touser, msgtype: "textcard", agentid, textcard,
  enable_duplicate_check}.
  errcode 42001 (expired) / 40014 (invalid) → new token; 45009 → rate limit; 81013 or a
  non-empty `invaliduser` → unknown user.
- DingTalk: GET {DINGTALK_BASE_URL}/gettoken?appkey&appsecret → access_token, expires_in;
  POST /topapi/message/corpconversation/asyncsend_v2?access_token= {agent_id, userid_list, msg}.
  errcode 40014 / 42001 / 40001 → new token; 90018 / 90002 → rate limit; 33012 → unknown user.
- SMS gateway (the template shape of Chinese SMS providers): POST {SMS_GATEWAY_URL} with
  `Authorization: Bearer SMS_GATEWAY_TOKEN` and {PhoneNumbers, TemplateCode, TemplateParam};
  answer {Code: "OK" | …, Message, BizId}; HTTP 429 or a *LIMIT* code → rate limit; isv.MOBILE_* → bad number.
"""

from __future__ import annotations

import json
import smtplib
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone

from tracker.notify.models import AccessToken, Channel

TIMEOUT = 10  # seconds per HTTP call; the relay's lease is far longer
# Refresh a cached token this long before the provider says it expires.
TOKEN_MARGIN = timedelta(minutes=5)


class Retry(Exception):
    """Try again later; `after` seconds when the provider says how long."""

    def __init__(self, answer: str, after: float | None = None):
        super().__init__(answer)
        self.answer = answer
        self.after = after


class Permanent(Exception):
    """Retrying cannot help: the address is unknown or refused."""

    def __init__(self, answer: str):
        super().__init__(answer)
        self.answer = answer


@dataclass
class Message:
    subject: str
    body: str
    url: str


def _http(method: str, url: str, payload: dict | None = None, headers: dict | None = None) -> tuple[int, Any]:
    """One HTTP call returning (status, decoded JSON); network trouble and 5xx are `Retry`."""
    data = json.dumps(payload, ensure_ascii=False).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={**(headers or {})})
    if data is not None:
        request.add_header("Content-Type", "application/json; charset=utf-8")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except (urllib.error.URLError, OSError) as exc:
        raise Retry(f"{type(exc).__name__}: {exc}") from exc
    text = raw.decode("utf-8", "replace")
    if status == 429:
        raise Retry(f"HTTP 429 {text[:500]}")
    if status >= 500:
        raise Retry(f"HTTP {status} {text[:500]}")
    try:
        return status, json.loads(text)
    except ValueError as exc:
        raise Retry(f"HTTP {status}, not JSON: {text[:500]}") from exc


class Adapter:
    channel: str = ""

    def configured(self) -> bool:
        raise NotImplementedError

    def send(self, address: str, message: Message) -> str:
        raise NotImplementedError


class TokenAdapter(Adapter):
    """An IM channel with an access token cached in the database and refreshed on expiry."""

    base_setting = ""
    expired_codes: frozenset[int] = frozenset()
    rate_codes: frozenset[int] = frozenset()
    unknown_codes: frozenset[int] = frozenset()

    @property
    def base(self) -> str:
        return str(getattr(settings, self.base_setting)).rstrip("/")

    def token_url(self) -> str:
        raise NotImplementedError

    def token(self, *, fresh: bool = False) -> str:
        now = timezone.now()
        if not fresh:
            cached = AccessToken.objects.filter(channel=self.channel, expires_at__gt=now + TOKEN_MARGIN).first()
            if cached:
                return cached.token
        status, answer = _http("GET", self.token_url())
        if status != 200 or not isinstance(answer, dict) or answer.get("errcode", 0) != 0:
            if isinstance(answer, dict) and answer.get("errcode") in self.rate_codes:
                raise Retry(f"gettoken: {json.dumps(answer, ensure_ascii=False)}")
            # A wrong secret or corp id will not fix itself, but the next try after the IT
            # department fixes it must work: retry with backoff, and the outbox page shows why.
            raise Retry(f"gettoken: HTTP {status} {json.dumps(answer, ensure_ascii=False)[:500]}")
        token = str(answer["access_token"])
        expires = now + timedelta(seconds=int(answer.get("expires_in", 7200)))
        with transaction.atomic():
            AccessToken.objects.update_or_create(channel=self.channel, defaults={"token": token, "expires_at": expires})
        return token

    def post(self, token: str, address: str, message: Message) -> tuple[int, Any]:
        raise NotImplementedError

    def send(self, address: str, message: Message) -> str:
        status, answer = self.post(self.token(), address, message)
        if isinstance(answer, dict) and answer.get("errcode") in self.expired_codes:
            status, answer = self.post(self.token(fresh=True), address, message)
        return self.judge(status, answer)

    def judge(self, status: int, answer: Any) -> str:
        text = json.dumps(answer, ensure_ascii=False)[:1000]
        if not isinstance(answer, dict):
            raise Retry(f"HTTP {status} {text}")
        code = answer.get("errcode")
        if code in self.rate_codes:
            raise Retry(text, after=settings.NOTIFY_RATE_LIMIT_PAUSE_SECONDS)
        if code in self.unknown_codes:
            raise Permanent(text)
        if code != 0:
            raise Retry(text)
        return text


class WeCom(TokenAdapter):
    channel = Channel.WECOM
    base_setting = "WECOM_BASE_URL"
    expired_codes = frozenset({42001, 40014})
    rate_codes = frozenset({45009, 45033, -1})
    unknown_codes = frozenset({81013, 40003, 60111})

    def configured(self) -> bool:
        return bool(settings.WECOM_CORP_ID and settings.WECOM_SECRET and settings.WECOM_AGENT_ID)

    def token_url(self) -> str:
        query = urllib.parse.urlencode({"corpid": settings.WECOM_CORP_ID, "corpsecret": settings.WECOM_SECRET})
        return f"{self.base}/cgi-bin/gettoken?{query}"

    def post(self, token: str, address: str, message: Message) -> tuple[int, Any]:
        payload = {
            "touser": address,
            "msgtype": "textcard",
            "agentid": int(settings.WECOM_AGENT_ID),
            # A text card: title, description (≤ 512 bytes) and the link, with a "details" button.
            "textcard": {
                "title": message.subject[:128],
                "description": _clip_bytes(message.body, 500),
                "url": message.url,
                "btntxt": "详情",
            },
            # WeCom drops an identical request within the interval: a relay that died after WeCom
            # accepted a message but before recording it does not make a second copy on the resend.
            "enable_duplicate_check": 1,
            "duplicate_check_interval": 1800,
        }
        query = urllib.parse.urlencode({"access_token": token})
        return _http("POST", f"{self.base}/cgi-bin/message/send?{query}", payload)

    def judge(self, status: int, answer: Any) -> str:
        text = super().judge(status, answer)
        # One recipient: when WeCom accepts the call but names them invalid, nobody got it.
        if answer.get("invaliduser"):
            raise Permanent(text)
        return text


class DingTalk(TokenAdapter):
    channel = Channel.DINGTALK
    base_setting = "DINGTALK_BASE_URL"
    expired_codes = frozenset({40014, 42001, 40001})
    rate_codes = frozenset({90018, 90002, -1})
    unknown_codes = frozenset({33012, 40103})

    def configured(self) -> bool:
        return bool(settings.DINGTALK_APP_KEY and settings.DINGTALK_APP_SECRET and settings.DINGTALK_AGENT_ID)

    def token_url(self) -> str:
        query = urllib.parse.urlencode({"appkey": settings.DINGTALK_APP_KEY, "appsecret": settings.DINGTALK_APP_SECRET})
        return f"{self.base}/gettoken?{query}"

    def post(self, token: str, address: str, message: Message) -> tuple[int, Any]:
        payload = {
            "agent_id": int(settings.DINGTALK_AGENT_ID),
            "userid_list": address,
            "msg": {
                "msgtype": "action_card",
                "action_card": {
                    "title": message.subject[:64],
                    "markdown": f"**{message.subject}**\n\n{message.body}",
                    "single_title": "查看详情",
                    "single_url": message.url,
                },
            },
        }
        query = urllib.parse.urlencode({"access_token": token})
        return _http("POST", f"{self.base}/topapi/message/corpconversation/asyncsend_v2?{query}", payload)


class Sms(Adapter):
    channel = Channel.SMS

    def configured(self) -> bool:
        return bool(settings.SMS_GATEWAY_URL)

    def send(self, address: str, message: Message) -> str:
        payload = {
            "PhoneNumbers": address,
            "TemplateCode": settings.SMS_TEMPLATE_ID,
            # The template reads ${title} and ${url}; SMS providers cap a parameter's length.
            "TemplateParam": json.dumps({"title": message.subject[:35], "url": message.url}, ensure_ascii=False),
        }
        headers = {"Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}"} if settings.SMS_GATEWAY_TOKEN else {}
        status, answer = _http("POST", settings.SMS_GATEWAY_URL, payload, headers)
        text = json.dumps(answer, ensure_ascii=False)[:1000]
        code = str(answer.get("Code", "")) if isinstance(answer, dict) else ""
        if status == 200 and code == "OK":
            return text
        if "LIMIT" in code.upper():
            raise Retry(text, after=settings.NOTIFY_RATE_LIMIT_PAUSE_SECONDS)
        if code.startswith("isv.MOBILE") or code in ("isv.BLACK_KEY_CONTROL_LIMIT", "isv.UNSUBSCRIBED"):
            raise Permanent(text)
        if 400 <= status < 500 and status not in (401, 403):
            raise Permanent(f"HTTP {status} {text}")
        raise Retry(f"HTTP {status} {text}")


class Mail(Adapter):
    channel = Channel.MAIL

    def configured(self) -> bool:
        return True

    def send(self, address: str, message: Message) -> str:
        body = f"{message.body}\n\n{message.url}" if message.url else message.body
        mail = EmailMultiAlternatives(
            subject=message.subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            connection=get_connection(fail_silently=False),
        )
        try:
            mail.send()
        except smtplib.SMTPRecipientsRefused as exc:
            raise Permanent(f"{type(exc).__name__}: {exc}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise Retry(f"{type(exc).__name__}: {exc}") from exc
        return "250 accepted"


def _clip_bytes(text: str, limit: int) -> str:
    encoded = text.encode()
    if len(encoded) <= limit:
        return text
    return encoded[: limit - 3].decode("utf-8", "ignore") + "…"


ADAPTERS: dict[str, Adapter] = {a.channel: a for a in (Mail(), WeCom(), DingTalk(), Sms())}


def adapter(channel: str) -> Adapter:
    return ADAPTERS[channel]


def active_channels() -> list[str]:
    """The channels whose settings are present, mail first."""
    return [name for name, a in ADAPTERS.items() if a.configured()]
