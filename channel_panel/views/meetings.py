"""Channel Panel meetings views."""

urlpatterns: list = []
