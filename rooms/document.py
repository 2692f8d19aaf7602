"""The room as a document: the plan a buyer's procurement and legal people read without
opening the app, as a PDF (WeasyPrint) from its own template and print stylesheet.

Both faces call ``room_document_pdf``: the web page's button and the API. What it shows is what
the room page shows the same person (``plans.selectors.room_page`` reads through the access: no
internal tasks, notes or resources for buyers), and for buyers no deal value either. Generating
it records nothing and writes nothing.

WeasyPrint loads what the HTML names (stylesheets, images, fonts). Only the document's own
stylesheet is let through (``StaticOnlyFetcher``): a URL in a value summary or a task never
reaches the network or the disk, so making a PDF cannot be turned into a request from the
server.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from plans.selectors import RoomPage, room_page
from rooms.access import RoomAccess
from rooms.downloads import DOWNLOAD_CSP

# The one directory WeasyPrint may read from: the document's stylesheet is there.
DOCUMENT_STATIC = Path(settings.BASE_DIR) / "static" / "css"


class StaticOnlyFetcher(URLFetcher):
    """Refuses every URL but a file in DOCUMENT_STATIC (WeasyPrint skips what it cannot
    fetch, with a warning): no http(s), no data from elsewhere on the disk."""

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme == "file" and parts.netloc in ("", "localhost"):
            path = Path(unquote(parts.path)).resolve()
            if path.is_file() and path.is_relative_to(DOCUMENT_STATIC.resolve()):
                kind = "text/css" if path.suffix == ".css" else "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})
        raise ValueError(f"The document loads nothing from outside: {url[:100]}")


@dataclass
class RoomDocument:
    page: RoomPage
    generated_on: date

    @property
    def room(self):
        return self.page.access.room

    @property
    def accent_soft(self) -> str:
        """The accent colour at 12% on white, as the room page tints it (``color-mix``)."""
        accent = self.room.accent_colour.lstrip("#")
        channels = (int(accent[i : i + 2], 16) for i in (0, 2, 4))
        return "#" + "".join(f"{round(255 - (255 - c) * 0.12):02x}" for c in channels)

    @property
    def shows_deal_value(self) -> bool:
        return self.page.access.is_seller and self.room.deal_value is not None


def room_document(access: RoomAccess) -> RoomDocument:
    """The document's data: the room page's, as this person sees it."""
    return RoomDocument(page=room_page(access), generated_on=timezone.localdate())


def room_document_html(access: RoomAccess) -> str:
    return render_to_string("rooms/room_document.html", {"document": room_document(access)})


def room_document_pdf(access: RoomAccess) -> bytes:
    html = HTML(
        string=room_document_html(access),
        base_url=DOCUMENT_STATIC.as_uri() + "/",
        url_fetcher=StaticOnlyFetcher(),
    )
    return html.write_pdf()


def room_document_filename(access: RoomAccess) -> str:
    """``Globex - mutual action plan.pdf``: the buyer company in plain ASCII letters, digits
    and a few safe marks, so that the name is safe in a Content-Disposition header and on
    every file system."""
    folded = unicodedata.normalize("NFKD", access.room.title)
    ascii_only = folded.encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9 ._&()-]+", " ", ascii_only)
    name = re.sub(r"\s+", " ", name).strip(" .")[:80] or "Deal room"
    return f"{name} - mutual action plan.pdf"


def room_document_response(access: RoomAccess) -> HttpResponse:
    """The PDF as a download, for the room page's button and the API alike."""
    response = HttpResponse(room_document_pdf(access), content_type="application/pdf")
    # The name holds no quote, backslash or control character (room_document_filename).
    response["Content-Disposition"] = f'attachment; filename="{room_document_filename(access)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    # What it holds is this person's view of a private room: no shared cache keeps it.
    response["Cache-Control"] = "private, no-store"
    return response
