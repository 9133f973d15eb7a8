"""Every kind of news sent in the code has a readable label, shown on the list and in its filter."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.urls import reverse

from tests.conftest import login
from tests.factories import make_notify_item
from tracker.notify.kinds import KIND_LABELS, kind_label
from tracker.reminders.models import Kind

SOURCES = Path(__file__).resolve().parents[2] / "tracker"


def kinds_sent_in_the_code() -> set[str]:
    """The literal `kind=` of every call to notify(), tell() (directives' wrapper) or Note() under tracker/."""
    kinds: set[str] = set()
    for path in SOURCES.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in ("notify", "tell", "Note"):
                continue
            for keyword in node.keywords:
                if keyword.arg == "kind" and isinstance(keyword.value, ast.Constant):
                    kinds.add(keyword.value.value)
    return kinds


def test_every_kind_sent_has_a_label():
    sent = kinds_sent_in_the_code() | {k.value for k in Kind}  # reminders pick their kind from Kind
    assert {"assignment", "instruction", "thread", "review", "review_wait", "urge"} <= sent  # the scan works
    assert sent - set(KIND_LABELS) == set()


def test_labels_are_chinese_and_unknown_kinds_read_as_other():
    assert kind_label("assignment_urge") == "交办催办"
    assert kind_label("extension_request") == "延期申请"
    assert kind_label("no-such-kind") == "其他"
    for kind in KIND_LABELS:
        assert not kind_label(kind).isascii(), kind


@pytest.mark.django_db
def test_the_list_and_its_filter_show_labels(client, city):
    login(client, city.staff_a)
    for n, kind in enumerate(["instruction", "notice_urge", "review"]):
        make_notify_item(recipient=city.staff_a, key=f"k{n}", kind=kind)
    page = client.get(reverse("notify:list")).content.decode()
    for kind in ("instruction", "notice_urge", "review"):
        assert f"{kind_label(kind)}</a>" in page  # in the filter
        assert f"{kind_label(kind)} · " in page  # on the item
    assert ">notice_urge<" not in page
    assert dict(client.get(reverse("notify:list")).context["kinds"])["instruction"] == "领导批示"
