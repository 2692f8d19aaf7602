"""Serving a stored file safely, after the access check: for the room page and the API."""

from django.http import FileResponse, Http404

from rooms.access import RoomAccess
from rooms.models import Resource
from rooms.resource_services import resource_opened
from rooms.uploads import BY_CONTENT_TYPE, served_name

# What a browser may do with a file it opens: nothing but show it. No script runs, no style or
# image loads, and the document is in a sandbox (an origin of its own).
DOWNLOAD_CSP = "default-src 'none'; sandbox"


def file_response(access: RoomAccess, resource: Resource) -> FileResponse:
    """A stored file, served safely (its opening recorded): for the room page and the API."""
    file_type = BY_CONTENT_TYPE.get(resource.content_type)
    if file_type is None or not resource.file:
        raise Http404
    try:
        handle = resource.file.open("rb")
    except OSError:
        raise Http404 from None
    resource_opened(by=access, resource=resource)
    response = FileResponse(
        handle,
        as_attachment=not file_type.inline,
        filename=served_name(resource.original_name, file_type),
        content_type=file_type.header,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    response["Cache-Control"] = "private, no-cache"
    return response
