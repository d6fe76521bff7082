"""The Coordinator's decision on a suggested earlier referral."""

from django import forms
from django.utils.formats import date_format

from prevent_portal.core.concurrency import VersionField
from referrals import matching
from referrals.models import Gender

RELOAD = "Reload the page and confirm the match again"


def _shown(name: str, value) -> str:
    """A detail as the Coordinator reads it."""
    if name == "gender" and value:
        return Gender(value).label
    if name == "date_of_birth" and value:
        return date_format(value, "j F Y")
    if isinstance(value, str):
        lines = [line.strip() for line in value.splitlines() if line.strip()]
        return ", ".join(lines) or "Not known"
    return "Not known" if value is None else str(value)


class MatchConfirmForm(forms.Form):
    """Confirms that the referral's person (``subject``) and ``candidate`` are one person.

    Carries the versions of both records the Coordinator saw, so that a merge decided on
    an out-of-date page is refused, and one radio question per detail the records disagree
    on: keep the earlier record's value or take the newer one. The default is the one
    ``matching.detail_differences`` proposes."""

    version = VersionField(error_messages={"required": RELOAD})
    candidate_version = VersionField(error_messages={"required": RELOAD})

    def __init__(self, data=None, *, subject, candidate, **kwargs):
        earlier, newer = matching.earlier_and_newer(subject, candidate)
        self.differences = matching.detail_differences(earlier, newer)
        self.subject_is_newer = newer is subject
        initial = {"version": subject.version, "candidate_version": candidate.version}
        initial.update({d.field: d.default for d in self.differences})
        super().__init__(data, initial=initial, **kwargs)
        for diff in self.differences:
            self.fields[diff.field] = forms.ChoiceField(
                label=matching.DETAIL_LABELS[diff.field],
                choices=[
                    (matching.EARLIER, f"{_shown(diff.field, diff.earlier)} (earlier record)"),
                    (matching.NEWER, f"{_shown(diff.field, diff.newer)} (newer record)"),
                ],
                widget=forms.RadioSelect,
                # Not chosen (a form posted without it): the default proposed.
                required=False,
                error_messages={
                    "invalid_choice": f"Choose which {diff.field.replace('_', ' ')} to keep"
                },
            )

    @property
    def rows(self) -> list[dict[str, str]]:
        """The differing details side by side, as the Coordinator reads them."""
        return [
            {
                "label": matching.DETAIL_LABELS[d.field],
                "earlier": _shown(d.field, d.earlier),
                "newer": _shown(d.field, d.newer),
            }
            for d in self.differences
        ]

    def keep(self) -> dict[str, str]:
        """Which record's value to keep, per differing detail chosen."""
        return {
            d.field: self.cleaned_data[d.field]
            for d in self.differences
            if self.cleaned_data.get(d.field)
        }
