"""Forms of the referrals app, one module per part of the job."""

from referrals.forms.sharing import ShareForm

__all__ = ["ShareForm"]
