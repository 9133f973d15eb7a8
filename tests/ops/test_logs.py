"""Structured logs: JSON lines carrying the request id that the response also returns."""

from __future__ import annotations

import io
import json
import logging

from django.urls import reverse

from tests.conftest import login
from tracker.ops.logs import JsonFormatter, RequestIdFilter


def capture(logger_name: str):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logging.getLogger(logger_name).addHandler(handler)
    return stream, lambda: logging.getLogger(logger_name).removeHandler(handler)


def test_probe_log_line_is_json_with_the_request_id(client, city):
    stream, done = capture("tracker.access")
    try:
        login(client, city.staff_b)
        response = client.get(reverse("work:task_detail", args=[city.task_a().pk]))
    finally:
        done()
    assert response.status_code == 404
    [line] = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert line["level"] == "WARNING" and line["logger"] == "tracker.access"
    assert "out-of-scope" in line["message"] and line["ts"].endswith("+00:00")
    assert line["request_id"] == response["X-Request-ID"] and len(line["request_id"]) == 32


def test_request_id_from_the_proxy_is_kept_if_sane(client, db):
    assert client.get(reverse("healthz"), HTTP_X_REQUEST_ID="abc-123-def")["X-Request-ID"] == "abc-123-def"
    forged = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="x\r\nSet-Cookie: a=b")["X-Request-ID"]
    assert "\n" not in forged and len(forged) == 32


def test_formatter_keeps_extras_and_exceptions():
    record = logging.LogRecord("tracker.x", logging.ERROR, __file__, 1, "failed %s", ("job",), None)
    record.task_id = 7
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "failed job" and line["task_id"] == 7 and "ValueError: boom" in line["exc"]
    assert line["request_id"] == "-"  # outside a request
