"""The vulnerability assessment form: validation only (who may draft, the dates allowed and
what completing needs are the services' rules)."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms

from channel_panel.assessments import AssessmentRating, VafFactor
from channel_panel.forms.cases import _agencies, _choice, _optional_text, _past_date
from prevent_portal.core.concurrency import VersionField
from referrals.forms.triage import _date


@dataclass
class FactorFields:
    factor: VafFactor
    rating: forms.BoundField
    evidence: forms.BoundField
    source: forms.BoundField
    evidence_on: forms.BoundField


class AssessmentForm(forms.Form):
    assessed_on = _past_date("Date of the assessment", "Enter the date of the assessment")
    summary = _optional_text(
        "Summary conclusion",
        hint="Your overall judgement of the person's vulnerability and why. Needed to complete.",
        rows=5,
    )
    management_plan = _optional_text(
        "Management plan",
        hint="What will be done about the factors present, by whom. Needed to complete.",
        rows=5,
    )
    version = VersionField(required=False)

    def __init__(self, *args, factors: list[VafFactor], **kwargs):
        super().__init__(*args, **kwargs)
        self.factors = factors
        for factor in factors:
            self.fields[f"rating_{factor.pk}"] = forms.ChoiceField(
                label=factor.name,
                help_text=factor.help_text,
                choices=AssessmentRating.Rating.choices,
                widget=forms.RadioSelect(attrs={"class": "govuk-radios--inline"}),
                error_messages={
                    "required": f"Choose present, not present or unknown for {factor.name}",
                    "invalid_choice": f"Choose present, not present or unknown for {factor.name}",
                },
            )
            self.fields[f"evidence_{factor.pk}"] = _optional_text(
                f"Evidence: {factor.name}", rows=2
            )
            self.fields[f"source_{factor.pk}"] = _choice(
                f"Agency the evidence came from: {factor.name}",
                _agencies(),
                "",
                "Not given",
                required=False,
            )
            evidence_on = _date(f"Date of the evidence: {factor.name}", required=False)
            evidence_on.validators.extend(self.fields["assessed_on"].validators[-1:])
            self.fields[f"evidence_on_{factor.pk}"] = evidence_on

    def groups(self) -> list[tuple[object, list[FactorFields]]]:
        """The factors under their dimensions, in order, with their bound fields."""
        out: list[tuple[object, list[FactorFields]]] = []
        for factor in self.factors:
            if not out or out[-1][0] != factor.dimension:
                out.append((factor.dimension, []))
            out[-1][1].append(
                FactorFields(
                    factor=factor,
                    rating=self[f"rating_{factor.pk}"],
                    evidence=self[f"evidence_{factor.pk}"],
                    source=self[f"source_{factor.pk}"],
                    evidence_on=self[f"evidence_on_{factor.pk}"],
                )
            )
        return out

    def ratings(self) -> dict[int, dict]:
        """The cleaned ratings as the services take them: factor id -> values."""
        data = self.cleaned_data
        return {
            factor.pk: {
                "rating": data[f"rating_{factor.pk}"],
                "evidence": data.get(f"evidence_{factor.pk}") or "",
                "source_agency": data.get(f"source_{factor.pk}"),
                "evidence_on": data.get(f"evidence_on_{factor.pk}"),
            }
            for factor in self.factors
        }


def initial_from(assessment, factors: list[VafFactor]) -> dict:
    """The form's starting values: the assessment's (a draft, or the last completed one a
    review starts from), unknown for a factor it does not rate."""
    initial = {f"rating_{factor.pk}": AssessmentRating.Rating.UNKNOWN for factor in factors}
    if assessment is None:
        return initial
    initial.update(summary=assessment.summary, management_plan=assessment.management_plan)
    for row in assessment.ratings.all():
        initial[f"rating_{row.factor_id}"] = row.rating
        initial[f"evidence_{row.factor_id}"] = row.evidence
        initial[f"source_{row.factor_id}"] = row.source_agency_id
        initial[f"evidence_on_{row.factor_id}"] = row.evidence_on
    return initial
