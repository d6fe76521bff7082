"""The one check that a session has passed the second factor.

Every place that asks "is this person signed in with their second factor?" asks here: the
middleware that guards every view, Django admin's own gate, the sign-in and second-factor
pages (which send a verified person home), and the template context (the navigation and the
search box are for verified sessions only). Written out in each, the check had drifted: the
admin asked whether the account was active, the others did not; two guarded against a user
object without django-otp's ``is_verified``, three did not.
"""

from __future__ import annotations


def second_factor_verified(user) -> bool:
    """True only for an active, signed-in account whose session django-otp has verified:
    by an authenticator or backup code, or by a council single sign-on, where Entra asked
    for the second factor (accounts/sso.py). An anonymous user, an inactive account, or a
    user object that django-otp's middleware has not seen (no ``is_verified``) is not."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if not user.is_active:
        return False
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified is not None and is_verified())


__all__ = ["second_factor_verified"]
