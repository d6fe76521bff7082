"""Permission-matrix entries for the referral matching views (url name -> rule)."""

from tests.permissions import rules  # noqa: F401

EXPECTED: dict = {}
