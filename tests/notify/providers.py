"""A small local server speaking the documented WeCom, DingTalk and SMS-gateway endpoints.

One HTTP server on a free port answers:
- WeCom   GET /cgi-bin/gettoken?corpid&corpsecret, POST /cgi-bin/message/send?access_token=
- DingTalk GET /gettoken?appkey&appsecret, POST /topapi/message/corpconversation/asyncsend_v2?access_token=
- SMS     POST /sms/send (Authorization: Bearer …) {PhoneNumbers, TemplateCode, TemplateParam}

Knobs for the errors the adapters must handle: `expire("wecom")` makes the current token
answer 42001 (DingTalk: 40014) once; `rate_limit[channel] = n` answers the next n sends with
the provider's rate-limit code; `unknown` holds user ids / mobiles the provider does not know.
Every accepted message is kept in `received[channel]`.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from tests.conftest import free_port

CORP_ID, SECRET, APP_KEY, APP_SECRET, SMS_TOKEN = "wwcorp", "wecom-secret", "dingkey", "ding-secret", "sms-token"


class Providers:
    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.lock = threading.Lock()
        self.received: dict[str, list[dict]] = defaultdict(list)
        self.token_calls: dict[str, int] = defaultdict(int)
        self.tokens: dict[str, str] = {}
        self.rate_limit: dict[str, int] = defaultdict(int)
        self.unknown: set[str] = set()
        self.requests: list[tuple[str, str, dict | None]] = []
        self.wecom_seen: set[str] = set()
        self.delay = 0.0  # seconds before answering a send, so a test can kill a relay mid-batch
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def settings(self) -> dict[str, str]:
        """The environment / settings that point the channels here."""
        return {
            "WECOM_BASE_URL": self.url,
            "WECOM_CORP_ID": CORP_ID,
            "WECOM_AGENT_ID": "1000002",
            "WECOM_SECRET": SECRET,
            "DINGTALK_BASE_URL": self.url,
            "DINGTALK_APP_KEY": APP_KEY,
            "DINGTALK_APP_SECRET": APP_SECRET,
            "DINGTALK_AGENT_ID": "2000003",
            "SMS_GATEWAY_URL": f"{self.url}/sms/send",
            "SMS_GATEWAY_TOKEN": SMS_TOKEN,
        }

    def expire(self, channel: str) -> None:
        with self.lock:
            self.tokens[channel] = "expired"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    # --- the endpoints ---------------------------------------------------------------------

    def _token(self, channel: str, query: dict, id_key: str, secret_key: str, good: tuple[str, str]) -> dict:
        if (query.get(id_key, [""])[0], query.get(secret_key, [""])[0]) != good:
            return {"errcode": 40001 if channel == "wecom" else 40089, "errmsg": "invalid credential"}
        with self.lock:
            self.token_calls[channel] += 1
            token = f"{channel}-token-{self.token_calls[channel]}"
            self.tokens[channel] = token
        return {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}

    def _check_token(self, channel: str, query: dict) -> dict | None:
        given = query.get("access_token", [""])[0]
        current = self.tokens.get(channel)
        if current == "expired" and given:
            return {"errcode": 42001 if channel == "wecom" else 40014, "errmsg": "access_token expired"}
        if given != current:
            return {"errcode": 40014, "errmsg": "invalid access_token"}
        return None

    def _limited(self, channel: str) -> bool:
        with self.lock:
            if self.rate_limit[channel] > 0:
                self.rate_limit[channel] -= 1
                return True
        return False

    def wecom_send(self, query: dict, body: dict) -> dict:
        if error := self._check_token("wecom", query):
            return error
        if self._limited("wecom"):
            return {"errcode": 45009, "errmsg": "api freq out of limit"}
        user = body["touser"]
        if body.get("enable_duplicate_check"):
            # Documented: the same request JSON within duplicate_check_interval is not delivered again.
            seen = json.dumps(body, sort_keys=True)
            with self.lock:
                if seen in self.wecom_seen:
                    return {"errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": "duplicate"}
                self.wecom_seen.add(seen)
        if user in self.unknown:
            return {"errcode": 81013, "errmsg": "user & party & tag all invalid", "invaliduser": user.lower()}
        with self.lock:
            self.received["wecom"].append(body)
            n = len(self.received["wecom"])
        return {"errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": f"msg{n}"}

    def dingtalk_send(self, query: dict, body: dict) -> dict:
        if error := self._check_token("dingtalk", query):
            return error
        if self._limited("dingtalk"):
            return {"errcode": 90018, "errmsg": "当前企业调用该接口的超过了限流"}
        if body["userid_list"] in self.unknown:
            return {"errcode": 33012, "errmsg": "无效的USERID"}
        with self.lock:
            self.received["dingtalk"].append(body)
            n = len(self.received["dingtalk"])
        return {"errcode": 0, "errmsg": "ok", "task_id": 1000 + n, "request_id": f"req{n}"}

    def sms_send(self, headers, body: dict) -> tuple[int, dict]:
        if headers.get("Authorization") != f"Bearer {SMS_TOKEN}":
            return 401, {"Code": "Unauthorized", "Message": "bad token"}
        if self._limited("sms"):
            return 200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发号码天级流控"}
        if body["PhoneNumbers"] in self.unknown:
            return 200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}
        with self.lock:
            self.received["sms"].append(body)
            n = len(self.received["sms"])
        return 200, {"Code": "OK", "Message": "OK", "BizId": f"biz{n}", "RequestId": f"r{n}"}

    def _handler(self):
        providers = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet test output
                pass

            def _answer(self, status: int, payload: dict) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlparse(self.path)
                query = parse_qs(url.query)
                providers.requests.append(("GET", url.path, None))
                if url.path == "/cgi-bin/gettoken":
                    return self._answer(
                        200, providers._token("wecom", query, "corpid", "corpsecret", (CORP_ID, SECRET))
                    )
                if url.path == "/gettoken":
                    good = (APP_KEY, APP_SECRET)
                    return self._answer(200, providers._token("dingtalk", query, "appkey", "appsecret", good))
                return self._answer(404, {"errcode": 404, "errmsg": "not found"})

            def do_POST(self):
                url = urlparse(self.path)
                query = parse_qs(url.query)
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                providers.requests.append(("POST", url.path, body))
                if providers.delay:
                    time.sleep(providers.delay)
                if url.path == "/cgi-bin/message/send":
                    return self._answer(200, providers.wecom_send(query, body))
                if url.path == "/topapi/message/corpconversation/asyncsend_v2":
                    return self._answer(200, providers.dingtalk_send(query, body))
                if url.path == "/sms/send":
                    return self._answer(*providers.sms_send(self.headers, body))
                return self._answer(404, {"errcode": 404, "errmsg": "not found"})

        return Handler
