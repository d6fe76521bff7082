"""Channel Panel cases views."""

urlpatterns: list = []
