"""Views for referral triage."""

urlpatterns: list = []
