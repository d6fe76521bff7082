"""The GOV.UK date input (prevent_portal/core/forms.py): three boxes, GOV.UK messages."""

from datetime import date

import pytest
from django import forms
from django.template import Context, Template

from prevent_portal.core.forms import GovUKDateField


class MeetingForm(forms.Form):
    meets_on = GovUKDateField(
        label="Date of the meeting", error_messages={"required": "Enter the date of the meeting"}
    )
    until = GovUKDateField(label="Share until (optional)", required=False)


def _post(day="", month="", year="", **extra):
    return MeetingForm(
        data={"meets_on-day": day, "meets_on-month": month, "meets_on-year": year, **extra}
    )


def test_three_boxes_make_a_date():
    form = _post("7", "12", "2026")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["meets_on"] == date(2026, 12, 7)
    assert form.cleaned_data["until"] is None


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("", "", ""), "Enter the date of the meeting"),
        (("7", "", "2026"), "Date of the meeting must include a month"),
        (("", "", "2026"), "Date of the meeting must include a day and month"),
        (("7", "12", ""), "Date of the meeting must include a year"),
        (("31", "2", "2026"), "Date of the meeting must be a real date"),
        (("7", "Dec", "2026"), "Date of the meeting must be a real date"),
        (("7", "12", "26"), "Year must include 4 numbers"),
    ],
)
def test_each_mistake_gets_the_govuk_message(parts, message):
    form = _post(*parts)
    assert not form.is_valid()
    assert form.errors["meets_on"] == [message]


def test_an_optional_date_names_itself_without_optional():
    form = _post("7", "12", "2026", **{"until-day": "3", "until-month": "", "until-year": "2027"})
    assert form.errors["until"] == ["Share until must include a month"]


def test_a_single_value_from_a_link_or_an_old_draft_is_still_read():
    assert MeetingForm(data={"meets_on": "2026-12-07"}).is_valid()
    assert MeetingForm(data={"meets_on": "7/12/2026"}).is_valid()
    form = MeetingForm(data={"meets_on": ["7", "12", "2026"]})
    assert form.is_valid() and form.cleaned_data["meets_on"] == date(2026, 12, 7)
    assert MeetingForm(data={"meets_on": "next Tuesday"}).errors["meets_on"] == [
        "Date of the meeting must be a real date"
    ]


def _render(form) -> str:
    return Template("{% govuk_field form.meets_on %}").render(Context({"form": form}))


def test_renders_the_govuk_date_input_with_govuk_ids_and_names():
    html = _render(MeetingForm(initial={"meets_on": date(2026, 12, 7)}))
    assert '<fieldset class="govuk-fieldset" role="group"' in html
    assert 'class="govuk-date-input" id="id_meets_on"' in html
    for part, value in (("day", "7"), ("month", "12"), ("year", "2026")):
        assert f'id="id_meets_on-{part}" name="meets_on-{part}"' in html
        assert f'name="meets_on-{part}" type="text" inputmode="numeric" value="{value}"' in html


def test_a_mistake_is_shown_as_typed_and_only_the_wrong_box_is_outlined():
    form = _post("7", "", "2026")
    form.is_valid()
    html = _render(form)
    assert 'id="id_meets_on-error"' in html and "must include a month" in html
    assert html.count("govuk-input--error") == 1
    assert 'govuk-input--error" id="id_meets_on-month"' in html
    assert 'name="meets_on-year" type="text" inputmode="numeric" value="2026"' in html


def test_the_error_summary_links_to_the_first_box():
    form = _post("", "", "")
    form.is_valid()
    html = Template("{% error_summary form %}").render(Context({"form": form}))
    assert 'href="#id_meets_on-day"' in html
    form = _post("7", "", "2026")
    form.is_valid()
    html = Template("{% error_summary form %}").render(Context({"form": form}))
    assert 'href="#id_meets_on-month"' in html
