"""URLs of the training app. Each part of the job keeps its own list in its views module."""

from training.views import compliance, configuration, imports, registers, returns

app_name = "training"
urlpatterns = [
    *compliance.urlpatterns,
    *returns.urlpatterns,
    *imports.urlpatterns,
    *registers.urlpatterns,
    *configuration.urlpatterns,
]
