"""The form renderer writes a select in Python (prevent_portal/core/form_renderer.py): the
markup must be what Django's own templates write, to the character, for every kind of
select, or the pages' HTML would change with it."""

from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from prevent_portal.accounts.models import Agency
from prevent_portal.core.form_renderer import Renderer


class EverySelect(forms.Form):
    plain = forms.ChoiceField(choices=[("a", "A"), ("b", 'B <"quoted"> & more')])
    numbered = forms.TypedChoiceField(choices=[(1, "One"), (2, 2000), (3, gettext_lazy("Three"))])
    grouped = forms.ChoiceField(
        choices=[
            ("", "Choose"),
            ("Group <1>", [("x", "X"), ("y", "Y")]),
            ("z", "Z"),
            ("Group 2", [("w", "W")]),
        ],
        required=False,
    )
    several = forms.MultipleChoiceField(choices=[("p", "P"), ("q", "Q"), ("r", "R")])
    yes_no = forms.NullBooleanField(widget=forms.NullBooleanSelect)
    safe = forms.ChoiceField(choices=[("s", mark_safe("<em>Safe</em>"))])  # noqa: S308
    with_attrs = forms.ChoiceField(
        choices=[("a", "A")],
        widget=forms.Select(attrs={"class": "govuk-select", "disabled": True, "hidden": False}),
    )


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"plain": "b", "numbered": "2", "grouped": "y", "several": ["p", "r"], "yes_no": "true"},
        {"plain": "nonsense", "grouped": "z", "several": ["q"], "yes_no": "false"},
    ],
)
def test_a_select_is_written_as_djangos_templates_write_it(data):
    ours, django_own = EverySelect(data or None), EverySelect(data or None)
    ours.renderer, django_own.renderer = Renderer(), DjangoTemplates()
    for name in EverySelect.base_fields:
        attrs = {"aria-describedby": f"{name}-hint", "class": "govuk-select"}
        assert ours[name].as_widget(attrs=attrs) == django_own[name].as_widget(attrs=attrs)
        assert str(ours[name]) == str(django_own[name])
        assert "<option" in str(ours[name])


@pytest.mark.django_db
def test_a_model_choice_select_is_written_as_djangos_templates_write_it(world):
    class Chooser(forms.Form):
        agency = forms.ModelChoiceField(Agency.objects.order_by("name"), empty_label="Every")

    world.agency_a.name = "Agency <A> & Sons"
    world.agency_a.save()
    for data in (None, {"agency": world.agency_a.pk}):
        ours, django_own = Chooser(data), Chooser(data)
        ours.renderer, django_own.renderer = Renderer(), DjangoTemplates()
        assert str(ours["agency"]) == str(django_own["agency"])
        assert "Agency &lt;A&gt; &amp; Sons" in str(ours["agency"])


def test_every_form_uses_the_renderer():
    assert isinstance(get_default_renderer(), Renderer)
