from django.urls import path

from prevent_portal.accounts import views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/security-code/", views.second_factor, name="second_factor"),
    path(
        "sign-in/set-up-authenticator/",
        views.set_up_authenticator,
        name="set_up_authenticator",
    ),
    path("sign-out/", views.sign_out, name="sign_out"),
]
