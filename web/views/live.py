"""The live room: every open room page asks every few seconds whether the room changed
(static/js/live.js). The answer is cheap when nothing did: the room's content version
(rooms.versioning), which every write to what the page shows moves, is on the room row the
access check reads anyway, so "nothing new" is a 304 after that check and no more. When it
moved, the answer is the page's body (the same cached fragments as the page itself), which the
script merges in without touching what someone is typing."""

from uuid import UUID

from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from rooms.access import RoomAccess, get_room_access
from web.http import AuthedRequest
from web.room_page import room_body_html


def live_etag(access: RoomAccess) -> str:
    """What the page shows depends on: the room's content, the audience, and the day (what is
    overdue). The person's own tasks move with the content too."""
    room = access.room
    return f'"{room.content_version}-{access.audience}-{timezone.localdate().isoformat()}"'


@require_GET
def room_live(request: AuthedRequest, room_id: UUID) -> HttpResponse:
    # rooms.access directly, not web.organisation's: a poll switches no organisation and writes
    # no session; an outsider, or a buyer whose access ended, gets 404 and the script stops.
    access = get_room_access(request.user, room_id, template=False)
    etag = live_etag(access)
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(room_body_html(request, access))
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response
