"""Channel Panel reports views."""

urlpatterns: list = []
