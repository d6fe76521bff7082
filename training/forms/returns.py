"""Forms for entering, correcting and uploading compliance returns."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from prevent_portal.areas.models import Area
from prevent_portal.core.concurrency import VersionField
from prevent_portal.core.uploads import SpreadsheetUploadForm
from training.forms.common import VERSION_ERRORS, PeriodChoiceField, count_field
from training.models import (
    ComplianceReturn,
    ReportingPeriod,
    TrainingType,
    agencies_returning_for,
    return_area_ids,
)

COMPLIANT_ABOVE_ELIGIBLE = (
    "Compliant staff cannot be more than eligible staff: you entered {compliant} compliant "
    "and {eligible} eligible"
)


def _check_compliant(form: forms.Form, data: dict) -> None:
    eligible, compliant = data.get("eligible"), data.get("compliant")
    if eligible is not None and compliant is not None and compliant > eligible:
        form.add_error(
            "compliant", COMPLIANT_ABOVE_ELIGIBLE.format(compliant=compliant, eligible=eligible)
        )


class FiguresMixin(forms.Form):
    eligible = count_field(
        "Eligible staff",
        "the number of eligible staff",
        hint="Staff who should have this training by the end of the quarter.",
    )
    compliant = count_field(
        "Compliant staff",
        "the number of compliant staff",
        hint="Of the eligible staff, how many had the training and were in date.",
    )


class AreaChoiceMixin(forms.Form):
    """The council area figures are returned to, asked only of someone who returns figures
    in several (a SPOC of a partner serving several councils); with one area the field is
    hidden and holds it, so a single-council deployment never sees the question."""

    area = forms.ModelChoiceField(
        label="Council area",
        queryset=Area.objects.none(),
        empty_label="Choose a council area",
        help_text="The council the figures are returned to.",
        error_messages={
            "required": "Choose the council area",
            "invalid_choice": "Choose one of your council areas",
        },
    )

    def _set_areas(self, user) -> None:
        self.fields["area"].queryset = Area.objects.filter(
            pk__in=sorted(return_area_ids(user, "change"))
        ).order_by("name")
        areas = list(self.fields["area"].queryset[:2])
        self.only_area = areas[0] if len(areas) == 1 else None
        if self.only_area is not None:
            self.fields["area"].widget = forms.HiddenInput()
            self.fields["area"].initial = self.only_area.pk
            self.fields["area"].required = False

    def clean_area(self):
        # One area: the question is not asked, the answer is that area.
        return self.cleaned_data.get("area") or self.only_area


class ReturnForm(AreaChoiceMixin, FiguresMixin):
    """A new return. The agency choice holds only the agencies the user returns figures
    for, so a SPOC cannot enter another agency's figures by editing the form; the area
    choice only the areas they return figures in."""

    agency = forms.ModelChoiceField(
        label="Agency",
        queryset=None,
        empty_label="Choose an agency",
        error_messages={
            "required": "Choose the agency",
            "invalid_choice": "Choose one of your agencies",
        },
    )
    training_type = forms.ModelChoiceField(
        label="Training type",
        queryset=TrainingType.objects.active(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": "Choose the training type",
            "invalid_choice": "Choose one of the training types",
        },
    )
    period = PeriodChoiceField(
        label="Quarter",
        queryset=None,
        empty_label="Choose a quarter",
        error_messages={
            "required": "Choose the quarter",
            "invalid_choice": "Choose one of the quarters",
        },
    )
    field_order = ["area", "agency", "training_type", "period", "eligible", "compliant"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_areas(user)
        self.fields["agency"].queryset = agencies_returning_for(user).order_by("name")
        self.fields["period"].queryset = ReportingPeriod.objects.filter(
            start__lte=timezone.localdate()
        ).order_by("-end")
        self.fields["training_type"].queryset = TrainingType.objects.active()
        self.only_agency = None
        agencies = list(self.fields["agency"].queryset[:2])
        if len(agencies) == 1:
            self.only_agency = agencies[0]
            self.fields["agency"].widget = forms.HiddenInput()
            self.fields["agency"].initial = agencies[0].pk
        self.existing = None

    def clean(self):
        data = super().clean()
        _check_compliant(self, data)
        agency, training_type, period, area = (
            data.get("agency"),
            data.get("training_type"),
            data.get("period"),
            data.get("area"),
        )
        if agency and area and not agency.areas.filter(pk=area.pk).exists():
            self.add_error("agency", f"{agency.name} does not serve {area.name}")
            return data
        if agency and training_type and period and area:
            self.existing = ComplianceReturn.objects.filter(
                agency=agency, training_type=training_type, period=period, area=area
            ).first()
            if self.existing is not None:
                self.add_error(
                    "period",
                    f"{agency.name} already has a {training_type.name} return for "
                    f"{period.label}: change that return instead",
                )
        return data


class ReturnCorrectionForm(FiguresMixin):
    version = VersionField(error_messages=VERSION_ERRORS)

    def clean(self):
        data = super().clean()
        _check_compliant(self, data)
        return data


class ReturnsUploadForm(AreaChoiceMixin, SpreadsheetUploadForm):
    """A file of returns, all for one council area (asked only of someone returning figures
    in several)."""

    max_bytes = 5 * 1024 * 1024
    label = "File to upload"
    help_text = "A CSV or XLSX file with a header row and one return per row. Up to 5 MB."
    required_message = "Choose a CSV or XLSX file to upload"

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_areas(user)
