"""The benchmark's URLconf: the product's, plus a trivial view to measure Django's own cost
per request in the same run (it is not part of the product)."""

from django.http import HttpResponse
from django.urls import include, path


def trivial(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("__bench__/trivial/", trivial),
    path("", include("prevent_portal.urls")),
]
