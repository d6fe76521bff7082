from django.urls import path

from prevent_portal.accounts import (
    account_views,
    approval_views,
    selfservice_views,
    sso,
    views,
)

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
    # Forgot your password? (GOV.UK pattern) and choosing a password from an invitation.
    path("sign-in/forgot-password/", selfservice_views.forgot_password, name="forgot_password"),
    path(
        "sign-in/forgot-password/sent/",
        selfservice_views.forgot_password_sent,
        name="forgot_password_sent",
    ),
    path(
        "sign-in/reset-password/<str:uidb64>/<str:token>/",
        selfservice_views.password_reset_link,
        name="password_reset_link",
    ),
    path("sign-in/reset-password/", selfservice_views.password_reset, name="password_reset"),
    path("sign-in/choose-password/", selfservice_views.choose_password, name="choose_password"),
    # The person's own account.
    path("account/", selfservice_views.your_account, name="your_account"),
    path("account/password/", selfservice_views.password_change, name="password_change"),
    path(
        "account/sessions/end-others/",
        selfservice_views.sessions_end_others,
        name="sessions_end_others",
    ),
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/new/", account_views.account_create, name="account_create"),
    path("accounts/<int:pk>/", account_views.account_detail, name="account_detail"),
    path("accounts/<int:pk>/deactivate/", views.account_deactivate, name="account_deactivate"),
    path(
        "accounts/<int:pk>/reactivate/", account_views.account_reactivate, name="account_reactivate"
    ),
    path("accounts/<int:pk>/roles/", account_views.account_role_add, name="account_role_add"),
    path(
        "accounts/<int:pk>/roles/<int:membership_pk>/end/",
        account_views.account_role_end,
        name="account_role_end",
    ),
    path(
        "accounts/<int:pk>/invitation/",
        account_views.account_invitation_resend,
        name="account_invitation_resend",
    ),
    path("accounts/<int:pk>/details/", account_views.account_edit, name="account_edit"),
    path(
        "accounts/<int:pk>/council-sign-in/",
        account_views.account_identity,
        name="account_identity",
    ),
    path(
        "accounts/<int:pk>/council-sign-in/unlink/",
        account_views.account_identity_unlink,
        name="account_identity_unlink",
    ),
    path(
        "accounts/<int:pk>/authenticator/reset/",
        account_views.account_authenticator_reset,
        name="account_authenticator_reset",
    ),
    path(
        "accounts/<int:pk>/authenticator/set-up-link/",
        account_views.account_setup_link_send,
        name="account_setup_link_send",
    ),
    path("accounts/requests/", account_views.account_request_list, name="account_request_list"),
    path("accounts/requests/new/", account_views.account_request_add, name="account_request_add"),
    path(
        "accounts/requests/<int:pk>/",
        account_views.account_request_detail,
        name="account_request_detail",
    ),
    path("accounts/access-review/", account_views.access_review, name="access_review"),
    path(
        "accounts/access-review/<int:membership_pk>/",
        account_views.access_review_answer,
        name="access_review_answer",
    ),
    path(
        "accounts/access-review/answers/<int:answer_pk>/end-role/",
        account_views.access_review_act,
        name="access_review_act",
    ),
    path("accounts/approvals/", approval_views.approval_list, name="approval_list"),
    path("accounts/approvals/<int:pk>/", approval_views.approval_decide, name="approval_decide"),
]
