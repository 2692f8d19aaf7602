from django.shortcuts import render
from django.urls import path

from config.urls import urlpatterns as app_urlpatterns


def floor(request):
    """The least a Django page can cost here: the same middleware, a tiny template."""
    return render(request, "bench_floor.html", {"name": "floor"})


urlpatterns = [path("bench/floor/", floor), *app_urlpatterns]
