"""Every form in the project, walked: no plain date box, and no text silently cut.

The concern box of the referral form once rendered ``maxlength="10000"``, so a browser cut a
pasted 20,000-character account in half without a word. These tests collect every Form class
the project defines (every ``<app>.forms`` module and everything the URL patterns import) and
check each field, so a new form cannot bring either mistake back.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import pkgutil

import pytest
from django import forms
from django.apps import apps
from django.db import models
from django.http import QueryDict
from django.template import Context, Template
from django.urls import get_resolver

from prevent_portal.core.forms import GovUKDateField, GovUKDateInput

PROJECT = ("prevent_portal", "referrals", "channel_panel", "training", "governance")


def _import_forms_modules() -> None:
    get_resolver().url_patterns  # noqa: B018 - loads every view and so every form it uses
    for app in apps.get_app_configs():
        if not app.name.startswith(PROJECT):
            continue
        try:
            module = importlib.import_module(f"{app.name}.forms")
        except ModuleNotFoundError:
            continue
        for info in pkgutil.iter_modules(getattr(module, "__path__", [])):
            importlib.import_module(f"{module.__name__}.{info.name}")


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _project_forms() -> list[type[forms.BaseForm]]:
    _import_forms_modules()
    found = {c for c in _subclasses(forms.BaseForm) if c.__module__.startswith(PROJECT)}
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


FORMS = _project_forms()


def _fields(form_class):
    """The declared fields, and those a form adds in ``__init__`` when it can be built
    without arguments (the Channel report's "from" and "to")."""
    fields = dict(form_class.base_fields)
    # Forms that need arguments keep their declared fields.
    with contextlib.suppress(Exception):
        fields.update(form_class().fields)
    return fields


def _cases(predicate):
    return [
        pytest.param(form_class, name, id=f"{form_class.__module__}.{form_class.__name__}.{name}")
        for form_class in FORMS
        for name, field in form_class.base_fields.items()
        if predicate(field)
    ]


def _is_text(field) -> bool:
    return isinstance(field, forms.CharField) and not field.widget.is_hidden


def _is_long_text(field) -> bool:
    return _is_text(field) and isinstance(field.widget, forms.Textarea)


def _probe(name, field, data=None):
    """A form holding only this field: renders and validates it as its own form would."""
    probe = type("Probe", (forms.Form,), {name: copy.deepcopy(field)})
    return probe(data=data)


def test_the_walk_finds_the_forms():
    names = {c.__name__ for c in FORMS}
    assert {"ConcernForm", "DecisionForm", "MeetingForm", "UnusualAccessForm"} <= names
    assert len(FORMS) > 60


@pytest.mark.django_db
@pytest.mark.parametrize("form_class", FORMS, ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_every_date_is_the_three_field_govuk_date_input(form_class):
    plain = [
        name
        for name, field in _fields(form_class).items()
        if isinstance(field, forms.DateField | forms.DateTimeField)
        or isinstance(field.widget, forms.DateInput | forms.SelectDateWidget)
        or (isinstance(field, GovUKDateField) != isinstance(field.widget, GovUKDateInput))
    ]
    assert plain == [], f"use prevent_portal.core.forms.GovUKDateField for {plain}"


@pytest.mark.parametrize(("form_class", "name"), _cases(_is_text))
def test_every_text_field_has_a_limit_no_longer_than_its_column(form_class, name):
    field = form_class.base_fields[name]
    assert field.max_length, "give the field an explicit max_length"
    if issubclass(form_class, forms.ModelForm):
        try:
            column = form_class._meta.model._meta.get_field(name)
        except Exception:  # noqa: BLE001 - a form field that is not a column
            return
        if isinstance(column, models.CharField):
            assert field.max_length <= column.max_length


@pytest.mark.parametrize(("form_class", "name"), _cases(_is_long_text))
def test_every_long_text_box_has_the_character_count(form_class, name):
    field = form_class.base_fields[name]
    html = Template("{% govuk_field form.f %}").render(Context({"form": _probe("f", field)}))
    assert 'data-module="govuk-character-count"' in html
    assert f'data-maxlength="{field.max_length}"' in html
    assert "govuk-js-character-count" in html and 'id="id_f-info"' in html
    assert "maxlength=" not in html.replace("data-maxlength=", "")


@pytest.mark.parametrize(("form_class", "name"), _cases(_is_text))
def test_no_text_box_has_a_maxlength_the_browser_would_cut_at(form_class, name):
    html = Template("{% govuk_field form.f %}").render(
        Context({"form": _probe("f", form_class.base_fields[name])})
    )
    assert "maxlength=" not in html.replace("data-maxlength=", "")


# Fields whose limit is their shape: the message says what a valid one looks like.
SHAPED = {"postcode": "Enter a real postcode", "token": "security code"}


@pytest.mark.parametrize(("form_class", "name"), _cases(_is_text))
def test_one_character_too_many_is_refused_with_the_limit_named(form_class, name):
    field = form_class.base_fields[name]
    form = _probe("f", field, data={"f": "1" * (field.max_length + 1)})
    assert not form.is_valid(), "refused, never cut"
    message = " ".join(form.errors["f"])
    named = f"{field.max_length:,}" in message or f"{field.max_length}" in message
    assert named or SHAPED.get(name, "\0") in message, message


def _is_model_choice(field) -> bool:
    return isinstance(field, forms.ModelChoiceField) and field.queryset is not None


@pytest.mark.django_db
@pytest.mark.parametrize(("form_class", "name"), _cases(_is_model_choice))
def test_an_id_past_the_64_bit_range_is_not_a_valid_choice(form_class, name):
    """A tampered id is a form error on every record choice (prevent_portal/core/
    choice_guard.py), never a server error: SQLite raised OverflowError in the query."""
    field = form_class.base_fields[name]
    huge = str(2**70)
    value = [huge] if isinstance(field, forms.ModelMultipleChoiceField) else huge
    form = _probe("f", field, data=QueryDict(mutable=True))
    form.data.setlist("f", value if isinstance(value, list) else [value])
    assert not form.is_valid()
    assert "f" in form.errors
