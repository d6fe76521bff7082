from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("prevent_portal.core.urls")),
    path("", include("prevent_portal.accounts.urls")),
    path("referrals/", include("referrals.urls")),
    path("panel/", include("channel_panel.urls")),
    path("training/", include("training.urls")),
    path("governance/", include("governance.urls")),
    path("audit/", include("prevent_portal.audit.urls")),
    # Upload pages under the record they attach to; downloads under /documents/.
    path("", include("documents.urls")),
    path("notifications/", include("prevent_portal.outbox.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "prevent_portal.core.views.error_403"
handler404 = "prevent_portal.core.views.error_404"
handler500 = "prevent_portal.core.views.error_500"
