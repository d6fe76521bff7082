"""Permission-matrix entries for the referral imports views (url name -> rule)."""

from tests.permissions import rules  # noqa: F401

EXPECTED: dict = {}
