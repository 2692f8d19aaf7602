from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.urls import path

from config.urls import urlpatterns as app_urlpatterns
from web.organisation import room_access
from web.views.rooms import room_page_response


@login_not_required
def floor(request):
    """The least a Django page can cost here: the same middleware, a tiny template."""
    return render(request, "bench_floor.html", {"name": "floor"})


def room_unrecorded(request, room_id):
    """The room page without queueing its view: what recording a view costs is the difference."""
    access = room_access(request, room_id, template=False)
    return room_page_response(request, access, record=False)


urlpatterns = [
    path("bench/floor/", floor),
    path("bench/room-unrecorded/<uuid:room_id>/", room_unrecorded),
    *app_urlpatterns,
]
