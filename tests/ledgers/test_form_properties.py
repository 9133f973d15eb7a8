"""Property tests: whatever is typed into a ledger form, either nothing is written or a valid row is.

Inputs are generated from each form's own fields: oversized and control-character text, HTML,
dates far outside the campaign, negative and huge numbers, unknown choices. A saved row must
pass its model's checks again when read back, and its page must show typed HTML as text.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta

import pytest
from django import forms as django_forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import login
from tracker.ledgers import services
from tracker.ledgers.registry import LEDGERS

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
NASTY_TEXT = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "a\x00b",
    "bell\x07",
    "  padded  ",
    "=cmd|' /C calc'!A0",
    "全角ＡＢＣ　空格",
    "\u202eevil",
]
TEXT = st.one_of(
    st.text(max_size=40),
    st.text(min_size=150, max_size=4200).filter(lambda s: len(s) > 150),
    st.sampled_from(NASTY_TEXT),
)
NUMBER = st.one_of(
    st.integers(min_value=-(10**9), max_value=10**12).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", "0", "0.5", "24", "24.1", "100", "101", "-1", "1e5", "NaN", "abc"]),
)


def mostly(valid, nasty):
    """Valid input most of the time, so that rows do get saved and checked; nasty input otherwise."""
    return st.sampled_from([valid] * 5 + [nasty]).flatmap(lambda strategy: strategy)


def field_strategy(field, campaign, model_validators=()):
    strategy = _field_strategy(field, campaign, model_validators)
    # An optional field is often left empty, as people do (and as "not done yet" requires).
    return strategy if field.required else st.one_of(st.just(""), strategy)


def _field_strategy(field, campaign, model_validators):
    if isinstance(field, django_forms.BooleanField):
        return st.sampled_from(["on", ""])
    if isinstance(field, django_forms.ModelChoiceField | django_forms.FileField):
        return st.just("")
    if isinstance(field, django_forms.DateField):
        valid = st.dates(min_value=campaign.starts_on, max_value=timezone.localdate())
        anywhere = st.dates(
            min_value=campaign.starts_on - timedelta(days=800), max_value=campaign.ends_on + timedelta(days=1200)
        )
        nasty = st.one_of(anywhere.map(lambda d: d.isoformat()), st.sampled_from(["2024-02-30", "yesterday"]))
        return mostly(valid.map(lambda d: d.isoformat()), nasty)
    if isinstance(field, django_forms.IntegerField | django_forms.DecimalField):
        low, high = _limits([*field.validators, *model_validators])
        return mostly(st.integers(min_value=low, max_value=high).map(str), NUMBER)
    if isinstance(field, django_forms.ChoiceField):
        choices = [value for value, _label in field.choices if value]
        return mostly(st.sampled_from(choices), st.just("karaoke"))
    limit = min(field.max_length or 4000, 80)
    printable = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))
    valid = st.text(alphabet=printable, min_size=1, max_size=limit).filter(lambda s: s.strip())
    return mostly(valid, TEXT)


def _limits(validators) -> tuple[int, int]:
    """The whole numbers a field accepts, from its own and its model field's validators."""
    low, high = 0, 10_000
    for validator in validators:
        if isinstance(validator, MinValueValidator):
            low = max(low, math.ceil(validator.limit_value))
        elif isinstance(validator, MaxValueValidator):
            high = min(high, math.floor(validator.limit_value))
    return low, high


def _model_field(model, name):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def form_data_strategy(spec, unit, campaign):
    form = spec.form(unit=unit, instance=spec.model(unit=unit, campaign=campaign))
    fields = {
        name: field_strategy(field, campaign, getattr(_model_field(spec.model, name), "validators", ()))
        for name, field in form.fields.items()
        if name not in ("version", "confirm_crowding", "crowding_reason")
    }
    return st.fixed_dictionaries(fields)


@pytest.mark.parametrize("ledger", sorted(LEDGERS))
def test_any_input_writes_a_valid_row_or_nothing(client, city, ledger):
    spec = LEDGERS[ledger]
    login(client, city.staff_a)

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=form_data_strategy(spec, city.unit_a, city.campaign))
    def check(data):
        before = spec.model.all_objects.count()
        form = spec.form(data, unit=city.unit_a, instance=spec.model(unit=city.unit_a, campaign=city.campaign))
        saved = None
        if form.is_valid():
            try:
                saved = services.ledger_row_create(
                    ledger=ledger,
                    campaign=city.campaign,
                    unit=city.unit_a,
                    by=city.staff_a,
                    data=form.model_data(),
                    confirm_crowding=True,
                    crowding_reason="已与相关单位协调",
                )
            except ValidationError:
                saved = None
        if saved is None:
            assert spec.model.all_objects.count() == before
            return
        row = spec.model.objects.get(pk=saved.pk)
        row.full_clean()  # what was stored still passes every check
        for field in row._meta.concrete_fields:
            value = getattr(row, field.attname)
            if isinstance(value, str):
                assert not CONTROL.search(value), (field.name, value)
                if field.max_length:
                    assert len(value) <= field.max_length
        html = client.get(row.get_absolute_url()).content.decode()
        for value in data.values():
            # Only markup can be injected: a tag opening (`<` then a letter, `/` or `!`) must be escaped.
            if re.search(r"<[A-Za-z/!]", value) and len(value) < 100:
                assert value.strip() not in html, value

    check()


def test_the_crowding_flag_cannot_be_forged(client, city):
    """`crowding_confirmed` is not a form field: only the service sets it."""
    login(client, city.staff_a)
    url = reverse("ledgers:row_create", args=[city.unit_a.pk, "visits"])
    client.post(
        url,
        {
            "site": "无人到过的村",
            "visited_on": city.campaign.starts_on.isoformat(),
            "leader_name": "甲",
            "crowding_confirmed": "on",
        },
    )
    assert not LEDGERS["visits"].model.objects.get().crowding_confirmed
