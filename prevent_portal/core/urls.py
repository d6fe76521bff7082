from django.urls import path

from prevent_portal.core import session_timeout, views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("session/keep-alive/", session_timeout.keep_alive, name="keep_alive"),
]
