"""The Coordinator's decision on a suggested earlier referral."""

from django import forms

from prevent_portal.core.concurrency import VersionField


class MatchConfirmForm(forms.Form):
    """Carries the version of the referral's person the Coordinator saw, so that a merge
    decided on an out-of-date page is refused."""

    version = VersionField(
        error_messages={"required": "Reload the page and confirm the match again"}
    )
