from django.urls import path

from referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.referral_list, name="list"),
    path("<int:pk>/", views.referral_detail, name="detail"),
    path("<int:pk>/share/", views.referral_share, name="share"),
    path(
        "<int:pk>/shares/<str:kind>/<int:grant_pk>/withdraw/",
        views.referral_share_revoke,
        name="share_revoke",
    ),
]
