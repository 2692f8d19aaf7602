"""The room as a PDF (rooms.document): what it says, to whom, and what it may load."""

import datetime
import io
import socket
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from plans.models import Status
from rooms.access import room_access_for
from rooms.document import (
    DOCUMENT_STATIC,
    StaticOnlyFetcher,
    room_document_filename,
    room_document_html,
    room_document_pdf,
)
from rooms.markdown import render_markdown
from tests.api_helpers import client_for
from tests.factories import MilestoneFactory, TaskFactory


def pdf_text(data: bytes) -> str:
    """The PDF's text with its line breaks and runs of spaces made single spaces."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def room(world):
    """Room A1 with a value summary, a deal value, and a plan of four tasks: one done, one
    overdue, one internal (sellers only), one owned by the buyer."""
    room = world.room_a1
    room.value_summary = "Buyer A1 closes its books **two days** sooner."
    room.value_summary_html = render_markdown(room.value_summary)
    room.success_criteria = "- Close in 3 days\n- No manual journal"
    room.success_criteria_html = render_markdown(room.success_criteria)
    room.business_goal = "A faster month-end"
    room.deal_value = Decimal("84000")
    room.accent_colour = "#0f766e"
    room.save()
    bea = room.stakeholders.get(email="bea@buyer-a1.example")
    bea.title = "Head of Finance"
    bea.role = "champion"
    bea.save()
    discovery = room.milestones.get()
    discovery.tasks.update(status=Status.DONE, completed_at=timezone.now())
    signature = MilestoneFactory(room=room, title="Signature")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    TaskFactory(milestone=signature, title="Send the order form", due_date=yesterday)
    TaskFactory(milestone=signature, title="Confirm the discount internally", is_internal=True)
    TaskFactory(milestone=signature, title="Sign the order form", side="buyer", owner=bea)
    return room


def test_sellers_pdf_has_the_value_summary_plan_owners_and_progress(world, room):
    text = pdf_text(room_document_pdf(room_access_for(world.owner, room)))
    assert "Buyer A1 closes its books two days sooner." in text
    assert "Close in 3 days" in text
    assert "A faster month-end" in text
    assert "Organisation A" in text  # the selling organisation
    assert "Sign the order form" in text
    assert "Bea Buyer" in text and "Head of Finance · Champion" in text
    assert "25%" in text  # one of four tasks done
    assert "1 of 4 tasks done" in text
    assert "Overdue" in text and "1 overdue" in text
    assert "Page 1 of" in text


def test_sellers_pdf_shows_internal_tasks_and_the_deal_value(world, room):
    text = pdf_text(room_document_pdf(room_access_for(world.owner, room)))
    assert "Confirm the discount internally" in text
    assert "USD 84,000" in text
    assert "Seller's copy" in text


def test_buyers_pdf_has_no_internal_task_and_no_deal_value(world, room):
    text = pdf_text(room_document_pdf(room_access_for(world.buyer, room)))
    assert "Sign the order form" in text
    assert "Confirm the discount internally" not in text
    assert "84,000" not in text and "84000" not in text
    assert "Deal value" not in text and "Seller's copy" not in text
    assert "1 of 3 tasks done" in text  # their plan's progress: the tasks they see


def test_buyers_pdf_has_no_internal_note_or_resource(world, room):
    room.comments.create(
        organisation=room.organisation, author=world.owner, body="Walk-away price", is_internal=True
    )
    html = room_document_html(room_access_for(world.buyer, room))
    assert "Walk-away price" not in html


def test_the_document_wears_the_rooms_accent_colour_and_buyer_initials(world, room):
    html = room_document_html(room_access_for(world.buyer, room))
    assert "--accent: #0f766e" in html
    assert '<span class="monogram">BA</span>' in html


def test_the_fetcher_refuses_outside_urls():
    fetcher = StaticOnlyFetcher()
    for url in (
        "http://127.0.0.1:9/logo.png",
        "https://example.com/logo.png",
        "file:///etc/passwd",
        f"{DOCUMENT_STATIC.as_uri()}/../../manage.py",
        "data:image/png;base64,iVBORw0KGgo=",
    ):
        with pytest.raises(ValueError, match="loads nothing"):
            fetcher.fetch(url)


def test_the_fetcher_gives_the_documents_own_stylesheet():
    response = StaticOnlyFetcher().fetch(f"{DOCUMENT_STATIC.as_uri()}/document.css")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"


@pytest.fixture
def no_network(monkeypatch):
    """Any connection the rendering tries is recorded and refused."""
    tried: list = []

    def refuse(self, address, *args):
        tried.append(address)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    return tried


def test_an_image_url_in_the_rooms_text_is_not_fetched(world, room, no_network, monkeypatch):
    asked: list[str] = []
    fetch = StaticOnlyFetcher.fetch

    def spy(self, url, headers=None):
        asked.append(url)
        return fetch(self, url, headers)

    monkeypatch.setattr(StaticOnlyFetcher, "fetch", spy)
    room.value_summary = "![logo](http://127.0.0.1:9/md.png) Our value."
    room.value_summary_html = render_markdown(room.value_summary)
    # And should an image ever get past the sanitiser, WeasyPrint asks the fetcher, which refuses.
    room.success_criteria_html = '<p><img src="http://127.0.0.1:9/raw.png" alt="x"> Fast</p>'
    room.save()
    text = pdf_text(room_document_pdf(room_access_for(world.owner, room)))
    assert "Our value." in text
    assert "http://127.0.0.1:9/raw.png" in asked
    assert not any("md.png" in url for url in asked)  # the sanitiser drops markdown images
    assert all(url.startswith("file:") for url in asked if "raw.png" not in url)
    assert no_network == []


def test_the_filename_is_the_buyer_company_made_safe(world, room):
    room.buyer_company = 'Café "Zürich"/..\\evil\r\nSet-Cookie: x'
    name = room_document_filename(room_access_for(world.owner, room))
    assert name == "Cafe Zurich .. evil Set-Cookie x - mutual action plan.pdf"
    room.buyer_company = "东京"
    assert room_document_filename(room_access_for(world.owner, room)).startswith("Deal room")


def test_the_page_serves_the_pdf_as_a_download(client, world, room):
    client.force_login(world.buyer)
    response = client.get(reverse("room_document", args=[room.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="Buyer A1 - mutual action plan.pdf"'
    )
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"%PDF-")
    assert "Confirm the discount internally" not in pdf_text(response.content)


def test_the_room_page_offers_the_pdf_to_sellers_and_buyers(client, world, room):
    url = reverse("room_document", args=[room.public_id])
    for person in (world.owner, world.buyer):
        client.force_login(person)
        page = client.get(reverse("room_detail", args=[room.public_id]))
        assert f'href="{url}" download>Download PDF</a>' in page.content.decode()


def test_the_outsider_gets_404_for_the_pdf(client, world, room):
    client.force_login(world.outsider)
    assert client.get(reverse("room_document", args=[room.public_id])).status_code == 404
    client.force_login(world.owner)
    template = reverse("room_document", args=[world.template_a.public_id])
    assert client.get(template).status_code == 404  # a template is no room


@pytest.mark.parametrize("accept", ["application/pdf", "*/*"])
def test_the_api_answers_the_buyers_pdf(world, room, accept):
    client = client_for(world, "buyer")
    url = f"/api/v1/rooms/{room.public_id}/document/"
    response = client.get(url, HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Sign the order form" in text
    assert "Confirm the discount internally" not in text


def test_the_api_answers_an_outsider_404_in_json_even_when_asked_for_a_pdf(world, room):
    client = client_for(world, "outsider")
    url = f"/api/v1/rooms/{room.public_id}/document/"
    response = client.get(url, HTTP_ACCEPT="application/pdf")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_the_document_stylesheet_is_a_static_file():
    assert (Path(DOCUMENT_STATIC) / "document.css").is_file()
