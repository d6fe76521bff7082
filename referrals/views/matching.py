"""Views for matching."""

urlpatterns: list = []
