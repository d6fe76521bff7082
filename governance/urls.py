"""URLs of the governance app. Each part of the job keeps its own list in its views module."""

from governance.views import (
    boards,
    dashboard,
    plan,
    regional,
    registers,
    reports,
    review,
    subject_access,
)

app_name = "governance"
urlpatterns = [
    *boards.urlpatterns,
    *plan.urlpatterns,
    *review.urlpatterns,
    *registers.urlpatterns,
    *dashboard.urlpatterns,
    *regional.urlpatterns,
    *reports.urlpatterns,
    *subject_access.urlpatterns,
]
