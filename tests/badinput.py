"""Property-based bad-input checks (hypothesis) that any form, service or write endpoint can reuse.

    assert_form_refuses(MyForm, valid={...})            # every field, bad values derived from its type
    assert_service_refuses(lambda v: my_service(x=v), strategy)
    assert_post_refuses(client, url, valid={...}, field="title", values=oversized(200))
    assert_rendered_inert(client, post=..., page=..., field="text", valid={...})

Bad means: oversized or control-character text, numbers outside their bounds, unparseable or
impossible dates, unknown choices and ids. Each must give an error in Chinese (the default
language) and leave every table as it was. HTML is not bad input: it is stored as typed and
must come back escaped.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import table_counts

# Modest, so the whole suite stays fast; deadline off because database round-trips vary.
CHECK = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
HX = {"HTTP_HX_REQUEST": "true"}
CJK = re.compile("[\u4e00-\u9fff]")
CONTROL = [chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0x85, 0x9B, 0x202E, 0x2066]]
VISIBLE = st.characters(categories=["L", "N", "P", "S"], exclude_characters="\x85")
XSS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "<svg/onload=alert(1)>",
    '"><iframe src=javascript:alert(1)>',
    "</textarea><script>alert(document.cookie)</script>",
    "<a href='javascript:alert(1)'>点我</a>",
    "{{ request.user }}{% debug %}",
]


def is_chinese(message: str) -> bool:
    return bool(CJK.search(str(message)))


def oversized(max_length: int) -> st.SearchStrategy[str]:
    """Text longer than `max_length` after stripping, made of visible characters."""
    return st.tuples(st.text(VISIBLE, min_size=1, max_size=8), st.integers(1, 300)).map(
        lambda t: (t[0] * (max_length // len(t[0]) + 2))[: max_length + t[1]]
    )


def with_control_characters() -> st.SearchStrategy[str]:
    """Visible text with an invisible control character inside (not at the ends, which get stripped)."""
    return st.tuples(
        st.text(VISIBLE, min_size=1, max_size=20), st.sampled_from(CONTROL), st.text(VISIBLE, min_size=1, max_size=20)
    ).map("".join)


def out_of_range(min_value: int | None, max_value: int | None) -> st.SearchStrategy[int]:
    options = []
    if min_value is not None:
        options.append(st.integers(max_value=min_value - 1))
    if max_value is not None:
        options.append(st.integers(min_value=max_value + 1))
    return st.one_of(*options)


def not_a_number() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(["abc", "1e5", "五十", "--1", "0x10", "12.5.3"]), st.text("abc!?%", min_size=1))


def not_a_date() -> st.SearchStrategy[str]:
    impossible = st.sampled_from(["2024-02-30", "2024-13-01", "0000-01-01", "99999-01-01", "2024/99/99", "昨天"])
    return st.one_of(impossible, st.text("abcxyz!?", min_size=1, max_size=12))


def html_payloads() -> st.SearchStrategy[str]:
    tags = st.sampled_from(["script", "img", "iframe", "svg", "a", "style", "object"])
    attrs = st.sampled_from(["onerror", "onload", "src", "href", "style"])
    built = st.builds(lambda t, a, v: f'<{t} {a}="{v}">x</{t}>', tags, attrs, st.text("abc():;'/", max_size=12))
    return st.one_of(st.sampled_from(XSS), built)


def bad_values_for(field: forms.Field) -> st.SearchStrategy | None:
    """Values this field must refuse, derived from its type and bounds (None: nothing to try)."""
    if isinstance(field, forms.FileField):
        return None  # files: see tests/work/test_uploads.py
    if isinstance(field, forms.ModelChoiceField):
        return st.one_of(st.integers(min_value=10**9, max_value=10**12).map(str), not_a_number())
    if isinstance(field, forms.ChoiceField):
        valid = {str(key) for key, _label in field.choices}
        return st.text(min_size=1, max_size=20).filter(lambda v: v.strip() and v.strip() not in valid)
    if isinstance(field, forms.IntegerField):
        bounds = (field.min_value, field.max_value)
        return st.one_of(out_of_range(*bounds), not_a_number()) if bounds != (None, None) else not_a_number()
    if isinstance(field, forms.DateField):
        return not_a_date()
    if isinstance(field, forms.CharField):
        if field.max_length:
            return st.one_of(oversized(field.max_length), with_control_characters())
        return with_control_characters()
    return None


def assert_form_refuses(
    form_class: type[forms.BaseForm],
    *,
    valid: dict,
    form_kwargs: dict | None = None,
    extra: dict[str, st.SearchStrategy] | None = None,
) -> list[str]:
    """Each field in turn gets generated bad values in otherwise valid data: the form must be
    invalid with a Chinese error on that field. `extra` adds strategies per field. Returns the
    fields checked, so the caller can assert none was skipped by accident."""
    kwargs = form_kwargs or {}
    with translation.override("zh-hans"):
        baseline = form_class(valid, **kwargs)
        assert baseline.is_valid(), baseline.errors
    checked = []
    for name, field in form_class(**kwargs).fields.items():
        strategies = [s for s in (bad_values_for(field), (extra or {}).get(name)) if s is not None]
        if strategies:
            _check_field(form_class, kwargs, valid, name, st.one_of(*strategies))
            checked.append(name)
    return checked


def _check_field(form_class, kwargs: dict, valid: dict, name: str, values: st.SearchStrategy) -> None:
    @CHECK
    @given(values)
    def check(value):
        with translation.override("zh-hans"):
            form = form_class({**valid, name: value}, **kwargs)
            assert not form.is_valid(), (name, value)
            assert name in form.errors, (name, value, form.errors)
            assert all(is_chinese(m) for m in form.errors[name]), form.errors[name]

    check()


def assert_service_refuses(call: Callable[[object], object], values: st.SearchStrategy) -> None:
    """`call(value)` must raise ValidationError with Chinese messages and write nothing."""

    @CHECK
    @given(values)
    def check(value):
        before = table_counts()
        with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
            call(value)
        assert exc.value.messages and all(is_chinese(m) for m in exc.value.messages), exc.value.messages
        assert table_counts() == before

    check()


ERROR_TEXT = re.compile(r'class="(?:field-error|errors)"[^>]*>(.*?)</(?:p|div)>', re.S)


def assert_post_refuses(client, url: str, *, valid: dict, field: str, values: st.SearchStrategy) -> None:
    """An htmx POST with `field` set to each generated value: 422, a Chinese error shown, nothing written."""

    @settings(CHECK, max_examples=25)
    @given(values)
    def check(value):
        before = table_counts()
        response = client.post(url, {**valid, field: value}, **HX)
        assert response.status_code == 422, (field, value, response.status_code)
        messages = ERROR_TEXT.findall(response.content.decode())
        assert messages and all(is_chinese(m) for m in messages), messages
        assert table_counts() == before

    check()


def assert_rendered_inert(client, *, post: str, page: str, valid: dict, field: str) -> None:
    """Markup typed into `field` is saved as text and shown escaped on `page`, never as markup."""

    @settings(CHECK, max_examples=20)
    @given(html_payloads())
    def check(payload):
        response = client.post(post, {**valid, field: payload})
        assert response.status_code in (200, 302), response.status_code
        html = client.get(page).content.decode()
        assert escape(payload) in html, payload
        if escape(payload) != payload:
            assert payload not in html, payload

    check()
