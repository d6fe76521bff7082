"""Views for referral intake."""

urlpatterns: list = []
