from django.urls import path

from prevent_portal.accounts import approval_views, sso, views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/security-code/", views.second_factor, name="second_factor"),
    path(
        "sign-in/set-up-authenticator/",
        views.set_up_authenticator,
        name="set_up_authenticator",
    ),
    path("sign-in/set-up/<str:token>/", views.enrol, name="enrol"),
    path("sign-in/confirm/", views.confirm_identity, name="confirm_identity"),
    path("account/backup-codes/", views.backup_codes, name="backup_codes"),
    # Council single sign-on (Microsoft Entra ID): 404 unless OIDC_ENABLED.
    path("sign-in/council/", sso.sso_start, name="sso_start"),
    path("sign-in/council/callback/", sso.sso_callback, name="sso_callback"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/<int:pk>/deactivate/", views.account_deactivate, name="account_deactivate"),
    path("accounts/approvals/", approval_views.approval_list, name="approval_list"),
    path("accounts/approvals/<int:pk>/", approval_views.approval_decide, name="approval_decide"),
]
