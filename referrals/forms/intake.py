"""Validation of the referral intake questions, one form per question page.

Each form validates the raw answers of one page. The draft keeps those raw answers, and
``draft_validate`` runs every form again over them, so a submitted referral is checked with
exactly the rules the pages used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django import forms
from django.utils import timezone

from prevent_portal.accounts.models import Agency, Sector
from prevent_portal.core.forms import GovUKDateField
from referrals.lifecycle import REFERRAL_LIFECYCLE
from referrals.models import Awareness, ConcernType, Gender, NeedsFlag

NAME_MAX = 100
TEXT_MAX = 200
CONCERN_MAX = 10_000
ALIASES_MAX = 10
NONE_KNOWN = "none"
# Outward and inward codes of a UK postcode (BS 7666), spaces optional.
POSTCODE_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
EARLIEST_BIRTH_YEAR = 1900


def _clean_text(value: str) -> str:
    # NUL bytes cannot be stored in PostgreSQL text; control characters are never wanted.
    return "".join(ch for ch in value if ch in "\n\t" or ch.isprintable()).strip()


class TextField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        return _clean_text(value) if isinstance(value, str) else value


class AgencyForm(forms.Form):
    agency = forms.ChoiceField(
        label="Which agency are you referring for?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the agency you are referring for",
            "invalid_choice": "Select the agency you are referring for",
        },
    )

    def __init__(self, *args, agencies: list[Agency], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [(str(a.pk), a.name) for a in agencies]


class AreaForm(forms.Form):
    """Which council area the referral goes to: asked only when the agency referring serves
    several (a mental health trust serving three boroughs), each area's own Coordinator
    triaging its referrals (issue 18)."""

    SLUG = "area"

    area = forms.ChoiceField(
        label="Which council area does the person live in?",
        help_text="The Prevent Coordinator of that council will look at the referral.",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the council area the person lives in",
            "invalid_choice": "Select the council area the person lives in",
        },
    )

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [(str(a.pk), a.name) for a in areas]


class NameForm(forms.Form):
    given_name = TextField(
        label="First name",
        max_length=NAME_MAX,
        error_messages={
            "required": "Enter the person's first name",
            "max_length": f"First name must be {NAME_MAX} characters or fewer",
        },
    )
    family_name = TextField(
        label="Last name",
        max_length=NAME_MAX,
        error_messages={
            "required": "Enter the person's last name",
            "max_length": f"Last name must be {NAME_MAX} characters or fewer",
        },
    )


class DateOfBirthForm(forms.Form):
    """GOV.UK date input: three boxes, each error naming what is wrong. Optional: a referrer
    often does not know it."""

    date_of_birth_day = forms.CharField(label="Day", required=False, max_length=10)
    date_of_birth_month = forms.CharField(label="Month", required=False, max_length=10)
    date_of_birth_year = forms.CharField(label="Year", required=False, max_length=10)

    PARTS = ("day", "month", "year")

    def clean(self):
        data = super().clean()
        raw = {p: (data.get(f"date_of_birth_{p}") or "").strip() for p in self.PARTS}
        data["date_of_birth"] = None
        self.error_parts: set[str] = set()
        if self._errors:
            self.error_parts = {p for p in self.PARTS if f"date_of_birth_{p}" in self._errors}
            self._move_errors()
            return data
        if not any(raw.values()):
            return data
        missing = [p for p in self.PARTS if not raw[p]]
        if missing:
            self.error_parts = set(missing)
            self.add_error(None, f"Date of birth must include a {' and '.join(missing)}")
            return data
        if not all(raw[p].isdigit() for p in self.PARTS):
            self.error_parts = {p for p in self.PARTS if not raw[p].isdigit()}
            self.add_error(None, "Date of birth must be a real date, in numbers")
            return data
        day, month, year = (int(raw[p]) for p in self.PARTS)
        if len(raw["year"]) != 4:
            self.error_parts = {"year"}
            self.add_error(None, "Year must include 4 numbers")
            return data
        try:
            value = date(year, month, day)
        except ValueError:
            self.error_parts = set(self.PARTS)
            self.add_error(None, "Date of birth must be a real date")
            return data
        if value > timezone.localdate():
            self.error_parts = set(self.PARTS)
            self.add_error(None, "Date of birth must be today or in the past")
        elif year < EARLIEST_BIRTH_YEAR:
            self.error_parts = {"year"}
            self.add_error(None, f"Date of birth must be after {EARLIEST_BIRTH_YEAR}")
        else:
            data["date_of_birth"] = value
        return data

    def _move_errors(self):
        self._errors.clear()
        self.add_error(None, "Date of birth must be a real date")

    @property
    def first_error_part(self) -> str:
        parts = getattr(self, "error_parts", set())
        return next((p for p in self.PARTS if p in parts), "day")


class GenderForm(forms.Form):
    gender = forms.ChoiceField(
        label="What is the person's gender?",
        choices=Gender.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the person's gender, or 'Not known'",
            "invalid_choice": "Select the person's gender, or 'Not known'",
        },
    )


class AddressForm(forms.Form):
    address = TextField(
        label="Address (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off"}),
        error_messages={"max_length": "Address must be 500 characters or fewer"},
    )
    postcode = TextField(
        label="Postcode (optional)",
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "autocomplete": "off"}),
        error_messages={"max_length": "Enter a real postcode, like AA1 1AA"},
    )

    def clean_postcode(self):
        value = self.cleaned_data["postcode"].upper().replace(" ", "")
        if not value:
            return ""
        if not POSTCODE_RE.match(value):
            raise forms.ValidationError("Enter a real postcode, like AA1 1AA")
        return f"{value[:-3]} {value[-3:]}"


class SchoolForm(forms.Form):
    school_or_employer = TextField(
        label="Which school, college or employer is the person at? (optional)",
        required=False,
        max_length=TEXT_MAX,
        error_messages={"max_length": f"School or employer must be {TEXT_MAX} characters or fewer"},
    )


class AliasesForm(forms.Form):
    aliases = TextField(
        label="Other names the person is known by (optional)",
        help_text="Enter each name on its own line: nicknames, previous names, other spellings.",
        required=False,
        max_length=ALIASES_MAX * (NAME_MAX * 2 + 1),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "max_length": f"Other names must be {ALIASES_MAX * (NAME_MAX * 2 + 1):,} characters "
            "or fewer"
        },
    )

    def clean_aliases(self):
        lines = [" ".join(line.split()) for line in self.cleaned_data["aliases"].splitlines()]
        names = [line for line in lines if line]
        if len(names) > ALIASES_MAX:
            raise forms.ValidationError(f"Enter {ALIASES_MAX} other names or fewer")
        for name in names:
            given, _, family = name.rpartition(" ")
            if len(given) > NAME_MAX or len(family) > NAME_MAX:
                raise forms.ValidationError(
                    f"Each part of another name must be {NAME_MAX} characters or fewer"
                )
        return "\n".join(names)


def alias_names(aliases: str) -> list[tuple[str, str]]:
    """(given, family) for each alias line: the last word is the family name."""
    result = []
    for line in aliases.splitlines():
        given, _, family = line.rpartition(" ")
        result.append((given, family))
    return result


class ConcernForm(forms.Form):
    concern_summary = TextField(
        label="What is your concern?",
        help_text=(
            "Describe what you have seen or heard, when, and why it worries you. "
            "Include anything the person has said or shared online."
        ),
        max_length=CONCERN_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={
            "required": "Enter a description of your concern",
            "max_length": f"Description must be {CONCERN_MAX:,} characters or fewer",
        },
    )


class LookupChoiceField(forms.MultipleChoiceField):
    """Checkboxes of the lookup entries in force today, by primary key."""

    widget = forms.CheckboxSelectMultiple


class ConcernTypesForm(forms.Form):
    concern_types = LookupChoiceField(
        label="What type of concern is it?",
        help_text="Select all that apply.",
        error_messages={
            "required": "Select at least one type of concern",
            "invalid_choice": "Select a type of concern from the list",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["concern_types"].choices = [
            (str(c.pk), c.name) for c in ConcernType.objects.current()
        ]

    def clean_concern_types(self):
        return [int(pk) for pk in self.cleaned_data["concern_types"]]


class NeedsForm(forms.Form):
    needs_flags = LookupChoiceField(
        label="Does the person have any of these needs or vulnerabilities?",
        help_text="Select all that apply.",
        error_messages={
            "required": "Select the person's needs, or 'None or not known'",
            "invalid_choice": "Select a need from the list",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.flags = list(NeedsFlag.objects.current())
        self.fields["needs_flags"].choices = [(str(f.pk), f.name) for f in self.flags] + [
            (NONE_KNOWN, "None or not known")
        ]

    def clean_needs_flags(self):
        values = self.cleaned_data["needs_flags"]
        if NONE_KNOWN in values:
            if len(values) > 1:
                raise forms.ValidationError(
                    "Select the person's needs, or 'None or not known', not both"
                )
            return []
        return [int(pk) for pk in values]


class AwarenessForm(forms.Form):
    person_awareness = forms.ChoiceField(
        label="Does the person know about this referral?",
        choices=Awareness.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether the person knows about this referral",
            "invalid_choice": "Select whether the person knows about this referral",
        },
    )


class SourceForm(forms.Form):
    """Who made the referral and when it arrived, for a referral the Prevent Coordinator
    records on someone's behalf (a phone call, an e-mail, a police referral). Left
    unanswered, the referral comes from the draft's agency, received today."""

    SLUG = "source"
    referring_agency = forms.ModelChoiceField(
        label="Referring agency",
        help_text="The registered agency that made the referral.",
        queryset=Agency.objects.none(),
        required=False,
        empty_label="Not a registered agency",
        error_messages={"invalid_choice": "Choose an agency from the list"},
    )
    referring_organisation = TextField(
        label="Or, who referred (if not a registered agency)",
        help_text="For example, a GP practice, a faith group or a member of the public.",
        required=False,
        max_length=TEXT_MAX,
        error_messages={"max_length": f"Who referred must be {TEXT_MAX} characters or fewer"},
    )
    referring_sector = forms.ModelChoiceField(
        label="Referring sector",
        help_text="Counted in the Home Office statistics. Leave empty to use the agency's sector.",
        queryset=Sector.objects.none(),
        required=False,
        empty_label="The referring agency's sector",
        error_messages={"invalid_choice": "Choose a sector from the list"},
    )
    received_on = GovUKDateField(
        label="Date received",
        help_text="For example, 27 3 2026",
        error_messages={"required": "Enter the date the referral was received"},
    )

    def __init__(self, *args, date_of_birth: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.date_of_birth = date_of_birth
        self.fields["referring_agency"].queryset = Agency.objects.filter(is_active=True)
        self.fields["referring_sector"].queryset = Sector.objects.current()

    def clean(self):
        data = super().clean()
        agency, organisation = data.get("referring_agency"), data.get("referring_organisation")
        if agency and organisation:
            self.add_error(
                "referring_organisation",
                "Choose a referring agency or enter who referred, not both",
            )
        elif organisation and not data.get("referring_sector"):
            self.add_error("referring_sector", "Choose the sector of who referred")
        elif not agency and not organisation:
            self.add_error("referring_agency", "Choose the referring agency, or enter who referred")
        received_on = data.get("received_on")
        if received_on is not None:
            # The same rules as the service's (referrals/lifecycle.py, step "receive").
            for sentence in REFERRAL_LIFECYCLE.needed(
                "receive", None, received_on=received_on, date_of_birth=self.date_of_birth
            ):
                self.add_error("received_on", sentence)
        return data


@dataclass(frozen=True)
class Step:
    slug: str
    form_class: type[forms.Form]
    title: str  # the question, used as the page title and on check your answers
    answer_label: str  # the row name on check your answers


STEPS: list[Step] = [
    Step("name", NameForm, "What is the person's name?", "Name"),
    Step("date-of-birth", DateOfBirthForm, "What is the person's date of birth?", "Date of birth"),
    Step("gender", GenderForm, "What is the person's gender?", "Gender"),
    Step("address", AddressForm, "What is the person's address?", "Address"),
    Step("school", SchoolForm, "School, college or employer", "School or employer"),
    Step("aliases", AliasesForm, "Is the person known by any other names?", "Other names"),
    Step("concern", ConcernForm, "What is your concern?", "Concern"),
    Step("concern-types", ConcernTypesForm, "What type of concern is it?", "Type of concern"),
    Step("needs", NeedsForm, "Needs and vulnerabilities", "Needs and vulnerabilities"),
    Step("awareness", AwarenessForm, "Does the person know about this referral?", "Awareness"),
]
STEPS_BY_SLUG = {step.slug: step for step in STEPS}


def raw_answers(form: forms.Form) -> dict:
    """What the user typed into a form's fields, as JSON to keep in the draft. NUL bytes go
    (PostgreSQL cannot store them, and the fields' cleaning drops them anyway)."""

    def scrub(value):
        if isinstance(value, str):
            return value.replace("\x00", "")
        if isinstance(value, list):
            return [scrub(v) for v in value]
        return value

    return {
        name: scrub(field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name)))
        for name, field in form.fields.items()
    }


@dataclass
class DraftCheck:
    cleaned: dict  # every valid answer, by field name
    problems: list[tuple[Step, str]]  # (page, what is wrong) for each missing or bad page


def draft_validate(data: dict) -> DraftCheck:
    """Run every question page's form over the raw answers kept in a draft."""
    cleaned: dict = {}
    problems: list[tuple[Step, str]] = []
    for step in STEPS:
        raw = data.get(step.slug)
        if not isinstance(raw, dict):
            problems.append((step, f"{step.answer_label}: not answered yet"))
            continue
        form = step.form_class(data=raw)
        if form.is_valid():
            cleaned.update(form.cleaned_data)
        else:
            for errors in form.errors.values():
                problems.extend((step, f"{step.answer_label}: {e}") for e in errors)
    return DraftCheck(cleaned=cleaned, problems=problems)
