"""URLs of the Channel Panel app. Each part of the job keeps its own list in its views module.

Names starting with "case" take a Channel case's id as <pk>; meeting and pack views take a
meeting's id (the permission matrix relies on this: tests/permissions/rules_channel_panel.py).
"""

from channel_panel.views import assessments, cases, meetings, minutes, pack, reports

app_name = "channel_panel"
urlpatterns = [
    *minutes.urlpatterns,
    *meetings.urlpatterns,
    *pack.urlpatterns,
    *cases.urlpatterns,
    *reports.urlpatterns,
    *assessments.urlpatterns,
]
