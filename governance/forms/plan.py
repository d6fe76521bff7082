"""Forms of the action plan: validation only."""

from __future__ import annotations

from django import forms

from governance.forms.common import (
    StaffChoiceField,
    VersionedForm,
    date_field,
    line_field,
    not_in_future,
    staff,
    text_field,
)
from governance.models import PriorityAction, Rag, StrategyPeriod
from prevent_portal.accounts.models import Agency

RAG_ERRORS = {
    "required": "Select the RAG status",
    "invalid_choice": "Select the RAG status",
}


def rag_field(label="RAG status"):
    return forms.ChoiceField(
        label=label,
        choices=Rag.choices,
        widget=forms.RadioSelect,
        error_messages=RAG_ERRORS,
    )


class PeriodForm(VersionedForm):
    name = line_field(
        "Name of the strategy",
        "Enter the name of the strategy",
        hint="For example, Prevent Forward Strategy 2026-2029",
    )
    starts_on = date_field("First day", required_message="Enter the first day of the period")
    ends_on = date_field("Last day", required_message="Enter the last day of the period")
    objective = text_field(
        "Overriding objective (optional)",
        hint="It heads the action plan appendix for boards.",
        required=False,
    )

    def __init__(self, *args, period: StrategyPeriod | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if period is None:
            del self.fields["version"]

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", "The last day must be the same as or after the first day")
        return data


class ActionForm(VersionedForm):
    number = forms.IntegerField(
        label="Action number",
        min_value=1,
        max_value=99,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-2"}),
        error_messages={
            "required": "Enter the action number",
            "invalid": "Enter the action number as a whole number, like 3",
            "min_value": "Enter an action number from 1 to 99",
            "max_value": "Enter an action number from 1 to 99",
        },
    )
    title = line_field("Title", "Enter the title", hint="For example, Partnerships")
    objective = text_field(
        "Objective", "Enter the objective", hint="What the partnership will ensure."
    )

    def __init__(self, *args, period: StrategyPeriod, action: PriorityAction | None = None, **kw):
        super().__init__(*args, **kw)
        self.period, self.action = period, action
        if action is None:
            del self.fields["version"]

    def clean_number(self):
        number = self.cleaned_data["number"]
        taken = PriorityAction.objects.filter(period=self.period, number=number)
        if self.action is not None:
            taken = taken.exclude(pk=self.action.pk)
        if taken.exists():
            raise forms.ValidationError(f"Action {number} already exists in this strategy")
        return number


class ItemForm(VersionedForm):
    description = text_field("What is to be done", "Enter what is to be done")
    owner_agency = forms.ModelChoiceField(
        label="Owning agency",
        queryset=None,
        required=False,
        empty_label="No agency",
        help_text="Its single point of contact may add progress updates.",
        error_messages={"invalid_choice": "Choose an agency from the list"},
    )
    owner_officer = StaffChoiceField(
        label="Owning officer",
        queryset=None,
        required=False,
        empty_label="No officer",
        help_text="They may add progress updates.",
        error_messages={"invalid_choice": "Choose an officer from the list"},
    )
    due_on = date_field("Due date (optional)", required=False, hint="Leave empty for ongoing work.")
    rag = rag_field()
    completed_on = date_field(
        "Completed on (optional)", required=False, hint="Leave empty while the work goes on."
    )

    def __init__(self, *args, item=None, area_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The plan's council area: its agencies and staff only (issue 18).
        area_id = item.action.period.area_id if item is not None else area_id
        self.fields["owner_agency"].queryset = Agency.objects.filter(is_active=True, areas=area_id)
        self.fields["owner_officer"].queryset = staff(area_id)
        if item is None:
            del self.fields["version"]
            del self.fields["completed_on"]

    def clean_completed_on(self):
        return not_in_future(
            self.cleaned_data.get("completed_on"), "The completion date must be today or earlier"
        )

    def clean(self):
        data = super().clean()
        no_owner = not data.get("owner_agency") and not data.get("owner_officer")
        if no_owner and not ({"owner_agency", "owner_officer"} & set(self.errors)):
            self.add_error("owner_agency", "Choose an owning agency, an owning officer, or both")
        return data


class ProgressForm(VersionedForm):
    on = date_field("Date of the update", required_message="Enter the date of the update")
    text = text_field(
        "Progress",
        "Enter the progress made",
        hint="What has been done since the last update. Boards read this in the appendix.",
        rows=6,
    )
    rag = rag_field("RAG status now")
    completed = forms.BooleanField(label="This item is now complete", required=False)

    def clean_on(self):
        return not_in_future(
            self.cleaned_data["on"], "The date of the update must be today or in the past"
        )


class QuarterForm(forms.Form):
    """The quarter a review shows (a GET form: an unknown value falls back to the default)."""

    quarter = forms.ChoiceField(label="Quarter", required=False)

    def __init__(self, *args, quarters, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quarter"].choices = [(q.key, q.label) for q in quarters]


class AppendixForm(forms.Form):
    as_of = date_field(
        "Progress as of",
        required_message="Enter the date the summary is as of",
        hint="Updates after this date are left out. For example, 8 6 2018",
    )
