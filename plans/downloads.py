"""A plan's export as a download, for the room page and the API alike (plans.exports makes it)."""

import unicodedata
from urllib.parse import quote

from django.http import HttpResponse

from plans.exports import Kind, export_bytes, export_filename
from rooms.access import RoomAccess

CONTENT_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def content_disposition(filename: str) -> str:
    """An attachment with an ASCII name for old clients and the real one (RFC 6266/5987) for
    the rest; export_filename has already taken out quotes, slashes and control characters."""
    fallback = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    fallback = fallback.replace("\\", "").replace('"', "") or "plan"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def export_response(access: RoomAccess, kind: Kind) -> HttpResponse:
    response = HttpResponse(export_bytes(access, kind), content_type=CONTENT_TYPES[kind])
    response["Content-Disposition"] = content_disposition(export_filename(access, kind))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-cache"
    return response
