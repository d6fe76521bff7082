"""The search form: validation only (``referrals.search.parse_query`` says what is valid)."""

from __future__ import annotations

from django import forms

from referrals.search import MAX_QUERY_LENGTH, QueryError, parse_query


class SearchForm(forms.Form):
    """One box: a name or other name, a referral reference, a date of birth, a postcode, or
    several of them. A GET form, so a search is a link (and the box in the header posts
    nowhere)."""

    q = forms.CharField(
        label="Name, reference, date of birth or postcode",
        help_text="For example, Sam Jones 27/3/2008, PR-2026-0012 or ZZ1 1AA",
        required=False,
        strip=True,
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "spellcheck": "false"}
        ),
    )

    def clean_q(self):
        text = self.cleaned_data["q"]
        # The length first: a long query is refused before any parsing (and in the same
        # words whatever it holds).
        if len(text) > MAX_QUERY_LENGTH:
            raise forms.ValidationError(f"Search must be {MAX_QUERY_LENGTH} characters or fewer")
        try:
            self.cleaned_data["terms"] = parse_query(text)
        except QueryError as error:
            raise forms.ValidationError(str(error)) from None
        return text
