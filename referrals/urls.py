"""URLs of the referrals app. Each part of the job keeps its own list in its views module."""

from django.urls import path

from referrals.views import (
    area_requests,
    imports,
    information_requests,
    intake,
    matching,
    persons,
    referrals,
    retention,
    search,
    statistics,
    transfers,
    triage,
)

app_name = "referrals"
urlpatterns = [
    path("", referrals.referral_list, name="list"),
    path("<int:pk>/", referrals.referral_detail, name="detail"),
    path("<int:pk>/status/", referrals.referral_status, name="status"),
    path("<int:pk>/share/", referrals.referral_share, name="share"),
    path(
        "<int:pk>/shares/<str:kind>/<int:grant_pk>/withdraw/",
        referrals.referral_share_revoke,
        name="share_revoke",
    ),
    *intake.urlpatterns,
    *triage.urlpatterns,
    *information_requests.urlpatterns,
    *statistics.urlpatterns,
    *matching.urlpatterns,
    *area_requests.urlpatterns,
    *persons.urlpatterns,
    *imports.urlpatterns,
    *retention.urlpatterns,
    *search.urlpatterns,
    *transfers.urlpatterns,
]
