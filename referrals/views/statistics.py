"""Views for referral statistics."""

urlpatterns: list = []
