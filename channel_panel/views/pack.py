"""Channel Panel pack views."""

urlpatterns: list = []
