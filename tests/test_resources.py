"""Resources: files and links shared in a room, opened only through the access check."""

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from activity.models import Event
from rooms.access import room_access_for
from rooms.models import Resource, ResourceKind
from rooms.resource_services import (
    resource_add_file,
    resource_add_link,
    resource_delete,
    resource_move,
)
from tests.factories import ResourceFactory

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 100
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 100
SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
    b"<script>alert(document.cookie)</script></svg>"
)
OOXML = "application/vnd.openxmlformats-officedocument"
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def png() -> bytes:
    """A real one-pixel PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def office(folder: str, *extra: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr(f"{folder}/document.xml", "<document/>")
        for name in extra:
            archive.writestr(name, "x")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return buffer.getvalue()


def url(name, room, **ids):
    return reverse(name, kwargs={"room_id": room.public_id, **ids})


def open_url(resource):
    return url("resource_open", resource.room, resource_id=resource.public_id)


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def room(world):
    return world.room_a1


@pytest.fixture
def seller(client, world):
    client.force_login(world.owner)
    return client


@pytest.fixture
def buyer(world):
    client = Client()
    client.force_login(world.buyer)
    return client


def upload(client, room, name: str, content: bytes, **data):
    return client.post(
        url("resource_add_file", room), {"file": SimpleUploadedFile(name, content), **data}
    )


def add_file(world, name: str, content: bytes, **kwargs) -> Resource:
    return resource_add_file(
        by=room_access_for(world.owner, world.room_a1),
        upload=SimpleUploadedFile(name, content),
        **kwargs,
    )


def raw_upload(client, room, filename: str, content: bytes):
    """A multipart body written by hand: the test client would strip the path from the name."""
    boundary = "tandemboundary"
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.generic(
        "POST",
        url("resource_add_file", room),
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


class TestUploads:
    def test_a_seller_uploads_a_pdf_and_it_is_stored_under_a_random_name(self, seller, room, media):
        response = upload(seller, room, "Security questionnaire.pdf", PDF, title="Q3 security")
        assert response.status_code == 302
        assert response["Location"].endswith("#resources")
        resource = room.resources.get()
        assert resource.kind == ResourceKind.FILE
        assert resource.title == "Q3 security"
        assert resource.original_name == "Security questionnaire.pdf"
        assert resource.content_type == "application/pdf"
        assert resource.size == len(PDF)
        folder, stored = resource.file.name.rsplit("/", 1)
        assert folder == f"rooms/{room.public_id}"
        assert len(stored) == 32 and stored.isalnum()  # a uuid4 hex, no extension
        assert (media / resource.file.name).read_bytes() == PDF
        assert "Q3 security" in seller.get(url("room_detail", room)).content.decode()

    @pytest.mark.parametrize(
        ("name", "content", "content_type"),
        [
            ("photo.png", png(), "image/png"),
            ("photo.jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 64, "image/jpeg"),
            ("anim.gif", b"GIF89a\x01\x00\x01\x00" + b"\x00" * 64, "image/gif"),
            ("pic.webp", b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64, "image/webp"),
            ("Order form.docx", office("word"), f"{OOXML}.wordprocessingml.document"),
            ("Pricing.xlsx", office("xl"), f"{OOXML}.spreadsheetml.sheet"),
            ("Deck.pptx", office("ppt"), f"{OOXML}.presentationml.presentation"),
            ("users.csv", "name,email\nZoë,zoe@example.com\n".encode(), "text/csv"),
            # "BM" opens a bitmap's signature too: the content decides, and it is text.
            ("cars.csv", b"BMW,2024,12\nAudi,2023,4\n", "text/csv"),
            ("notes.txt", "Meeting notes – ünïcode\n".encode(), "text/plain"),
            ("README", b"no extension at all\n", "text/plain"),
        ],
    )
    def test_accepted_types_are_recognised_by_content(self, world, name, content, content_type):
        resource = add_file(world, name, content)
        assert resource.content_type == content_type

    @pytest.mark.parametrize(
        ("name", "content", "message"),
        [
            ("empty.pdf", b"", "The submitted file is empty."),
            ("invoice.pdf", EXE, "This kind of file is not accepted, only PDF"),
            ("tool.pdf", ELF, "not accepted"),
            ("logo.svg", SVG, "HTML, SVG and XML files are not accepted."),
            ("logo.png", SVG, "HTML, SVG and XML files are not accepted."),
            ("page.txt", HTML, "HTML, SVG and XML files are not accepted."),
            ("run.txt", b"#!/bin/sh\nrm -rf /\n", "Scripts are not accepted."),
            ("latin1.txt", "café".encode("latin-1"), "not accepted"),
            ("nul.txt", b"text\x00with a NUL", "not accepted"),
            ("report.pdf", png(), "This is a PNG image, but its name ends in .pdf: use .png."),
            ("deck.pptx", office("word"), "This is a Word document, but its name ends in .pptx"),
            ("macro.docx", office("word", "word/vbaProject.bin"), "with macros are not accepted"),
            ("archive.docx", plain_zip(), "Zip archives are not accepted"),
            ("damaged.docx", b"PK\x03\x04" + b"\x00" * 40, "The file is damaged"),
            ("data.json", b'{"a": 1}\n', "This is a text file, but its name ends in .json"),
        ],
    )
    def test_refused_uploads_say_why_next_to_the_file_field(
        self, seller, room, media, name, content, message
    ):
        response = upload(seller, room, name, content)
        assert response.status_code == 422
        html = response.content.decode()
        assert 'class="field field--compact field--error"' in html
        assert message in html.replace("&#x27;", "'")
        assert not room.resources.exists()
        assert not [p for p in media.rglob("*") if p.is_file()]

    def test_an_upload_over_the_limit_is_refused_without_reaching_the_service(
        self, seller, room, settings, monkeypatch
    ):
        settings.RESOURCE_MAX_BYTES = 100 * 1024
        called = []
        monkeypatch.setattr("web.views.resources.resource_add_file", lambda **kw: called.append(kw))
        response = upload(seller, room, "big.txt", b"a" * (300 * 1024))
        assert response.status_code == 422
        assert "The file is larger than 100.0\xa0KB." in response.content.decode()
        assert called == []

    def test_the_service_refuses_a_file_over_the_limit_too(self, world, settings):
        settings.RESOURCE_MAX_BYTES = 10
        with pytest.raises(ValidationError) as caught:
            add_file(world, "notes.txt", b"eleven byte")
        assert caught.value.message_dict == {"file": ["The file is larger than 10\xa0bytes."]}
        assert add_file(world, "notes.txt", b"ten bytes!").size == 10

    def test_no_file_chosen_is_a_clear_field_error(self, seller, room):
        response = seller.post(url("resource_add_file", room), {"title": "Deck"})
        assert response.status_code == 422
        assert "Choose a file to share." in response.content.decode()

    @pytest.mark.parametrize(
        "filename",
        ["../../etc/passwd", "..\\..\\windows\\boot.txt", "/etc/passwd", "..%2F..%2Fetc%2Fpasswd"],
    )
    def test_a_path_in_the_name_is_stored_under_a_random_name(self, seller, room, media, filename):
        response = raw_upload(seller, room, filename, b"root:x:0:0:root:/root:/bin/bash\n")
        assert response.status_code == 302
        resource = room.resources.get()
        assert "/" not in resource.original_name and "\\" not in resource.original_name
        assert resource.file.name.startswith(f"rooms/{room.public_id}/")
        stored = [p for p in media.parent.rglob("*") if p.is_file()]
        assert stored == [media / resource.file.name]
        assert resource.original_name in seller.get(url("room_detail", room)).content.decode()
        download = seller.get(open_url(resource))
        assert download["Content-Disposition"].startswith("attachment;")
        assert ".txt" in download["Content-Disposition"]

    def test_a_long_unicode_name_is_kept_and_shown_as_written(self, seller, room):
        name = "Ж" * 296 + ".pdf"
        assert upload(seller, room, name, PDF).status_code == 302
        resource = room.resources.get()
        # Django keeps 255 characters of a name, and its extension.
        assert resource.original_name == "Ж" * 251 + ".pdf"
        assert resource.original_name in seller.get(url("room_detail", room)).content.decode()
        disposition = seller.get(open_url(resource))["Content-Disposition"]
        assert disposition.startswith("attachment; filename*=utf-8''%D0%96%D0%96")
        assert disposition.endswith(".pdf")

    def test_a_name_with_markup_is_shown_as_text(self, seller, room):
        name = '<img src=x onerror="alert(1)">.txt'
        assert upload(seller, room, name, b"hello\n").status_code == 302
        html = seller.get(url("room_detail", room)).content.decode()
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;.txt" in html
        assert "<img src=x" not in html

    def test_a_file_upload_needs_the_csrf_token(self, world, room):
        client = Client(enforce_csrf_checks=True)
        client.force_login(world.owner)
        response = upload(client, room, "notes.txt", b"hello\n")
        assert response.status_code == 403
        assert not room.resources.exists()


class TestLinks:
    def test_a_seller_shares_a_link(self, seller, room):
        data = {"url": "https://docs.example.com/order-form", "title": "Order form"}
        response = seller.post(url("resource_add_link", room), data)
        assert response.status_code == 302
        resource = room.resources.get()
        assert (resource.kind, resource.url, resource.title) == (
            "link",
            "https://docs.example.com/order-form",
            "Order form",
        )
        html = seller.get(url("room_detail", room)).content.decode()
        assert "Order form" in html and "docs.example.com" in html

    @pytest.mark.parametrize(
        "bad", ["javascript:alert(1)", "ftp://files.example.com/x", "data:text/html,<b>x</b>", ""]
    )
    def test_only_web_links_are_accepted(self, seller, room, bad):
        response = seller.post(url("resource_add_link", room), {"url": bad})
        assert response.status_code == 422
        assert 'for="id_url">Link</label>' in response.content.decode()
        assert not room.resources.exists()

    def test_the_service_refuses_other_schemes_too(self, world):
        with pytest.raises(ValidationError) as caught:
            resource_add_link(
                by=room_access_for(world.owner, world.room_a1), url="javascript:alert(1)", title="x"
            )
        assert list(caught.value.message_dict) == ["url"]

    def test_opening_a_link_records_it_and_redirects(self, seller, world, room):
        resource = resource_add_link(
            by=room_access_for(world.owner, room), url="https://docs.example.com/a?b=1", title="Doc"
        )
        response = seller.get(open_url(resource))
        assert response.status_code == 302
        assert response["Location"] == "https://docs.example.com/a?b=1"
        event = Event.objects.filter(kind="resource.opened").get()
        assert (event.actor, event.summary) == (world.owner, "opened “Doc”")


class TestDownloads:
    def test_a_pdf_downloads_as_an_attachment_with_safe_headers(self, seller, world, room):
        resource = add_file(world, "Security questionnaire.pdf", PDF)
        response = seller.get(open_url(resource))
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == (
            'attachment; filename="Security questionnaire.pdf"'
        )
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert "private" in response["Cache-Control"]

    def test_an_image_opens_inline_in_a_sandbox(self, seller, world):
        resource = add_file(world, "diagram.png", png())
        response = seller.get(open_url(resource))
        assert response["Content-Type"] == "image/png"
        assert response["Content-Disposition"] == 'inline; filename="diagram.png"'
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert response["X-Content-Type-Options"] == "nosniff"

    def test_text_is_served_as_utf8_text_with_the_extension_of_its_type(self, seller, world):
        resource = add_file(world, "README", b"hello\n")
        response = seller.get(open_url(resource))
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert response["Content-Disposition"] == 'attachment; filename="README.txt"'

    def test_opening_a_file_is_recorded(self, seller, world):
        resource = add_file(world, "deck.pdf", PDF, title="Deck")
        seller.get(open_url(resource))
        event = Event.objects.filter(kind="resource.opened").get()
        assert (event.actor, event.summary, event.is_internal) == (
            world.owner,
            "opened “Deck”",
            False,
        )
        assert event.data == {"target": f"resource:{resource.public_id}"}
        assert "opened “Deck”" in seller.get(url("room_detail", world.room_a1)).content.decode()

    def test_a_file_missing_from_storage_is_a_404(self, seller, world, media):
        resource = add_file(world, "deck.pdf", PDF)
        (media / resource.file.name).unlink()
        assert seller.get(open_url(resource)).status_code == 404
        assert not Event.objects.filter(kind="resource.opened").exists()


class TestWhoSeesWhat:
    def test_another_rooms_resource_is_a_404_by_either_room(self, client, world):
        other = ResourceFactory(room=world.room_b1)
        client.force_login(world.owner)
        for room in (world.room_a1, world.room_b1):
            for name in ("resource_open", "resource_delete", "resource_move"):
                method = client.get if name == "resource_open" else client.post
                response = method(url(name, room, resource_id=other.public_id))
                assert response.status_code == 404, (name, room)
        assert Resource.objects.filter(pk=other.pk).exists()

    def test_the_outsider_cannot_open_room_a_files(self, client, world):
        resource = add_file(world, "deck.pdf", PDF)
        client.force_login(world.outsider)
        assert client.get(open_url(resource)).status_code == 404
        assert not Event.objects.filter(kind="resource.opened").exists()

    def test_templates_have_no_resources(self, seller, world):
        response = seller.post(url("resource_add_link", world.template_a), {"url": "https://x.io"})
        assert response.status_code == 404

    def test_buyers_never_see_internal_resources(self, buyer, world, room):
        internal = add_file(
            world, "margin.csv", b"deal,margin\nA1,42%\n", title="Our margins", is_internal=True
        )
        shared = add_file(world, "deck.pdf", PDF, title="The deck")
        html = buyer.get(url("room_detail", room)).content.decode()
        assert "The deck" in html
        assert "Our margins" not in html and "margin.csv" not in html
        assert buyer.get(open_url(internal)).status_code == 404
        assert (
            buyer.post(url("resource_delete", room, resource_id=internal.public_id)).status_code
            == 404
        )
        assert buyer.get(open_url(shared)).status_code == 200
        event = Event.objects.get(kind="resource.added", data__resource=str(internal.public_id))
        assert event.is_internal

    def test_a_buyer_shares_files_but_never_internal_ones(self, buyer, world, room):
        response = upload(buyer, room, "Our security answers.pdf", PDF, is_internal="on")
        assert response.status_code == 403  # the one rule (tests/test_rules.py)
        response = upload(buyer, room, "Our security answers.pdf", PDF)
        assert response.status_code == 302
        resource = room.resources.get()
        assert (resource.is_internal, resource.created_by) == (False, world.buyer)
        data = {"url": "https://buyer.example/requirements", "is_internal": "on"}
        assert buyer.post(url("resource_add_link", room), data).status_code == 403
        assert not room.resources.filter(is_internal=True).exists()

    def test_a_buyer_removes_what_they_shared_and_nothing_else(self, buyer, world, room):
        theirs = ResourceFactory(room=room, created_by=world.buyer)
        ours = ResourceFactory(room=room, created_by=world.owner)
        delete = "resource_delete"
        assert buyer.post(url(delete, room, resource_id=ours.public_id)).status_code == 403
        assert buyer.post(url(delete, room, resource_id=theirs.public_id)).status_code == 302
        assert list(room.resources.all()) == [ours]
        move = url("resource_move", room, resource_id=ours.public_id)
        assert buyer.post(move, {"direction": "up"}).status_code == 403

    def test_buyers_do_not_get_the_internal_checkbox(self, buyer, room):
        html = buyer.get(url("room_detail", room)).content.decode()
        assert 'id="id_resource_file"' in html
        assert 'id="id_resource_is_internal"' not in html


class TestRoomPage:
    def test_the_page_shows_new_resources_at_once(self, seller, world, room):
        assert "Pricing sheet" not in seller.get(url("room_detail", room)).content.decode()
        add_file(world, "pricing.xlsx", office("xl"), title="Pricing sheet")
        html = seller.get(url("room_detail", room)).content.decode()
        assert "Pricing sheet" in html and "XLSX" in html
        assert 'badge--internal">Internal</span></span>' not in html
        resource_add_link(
            by=room_access_for(world.owner, room),
            url="https://x.io",
            title="Zed pricing",
            is_internal=True,
        )
        html = seller.get(url("room_detail", room)).content.decode()
        assert "Zed pricing" in html
        assert 'badge--internal">Internal</span></span>' in html

    def test_the_resources_card_has_the_size_and_who_shared_it(self, seller, world, room):
        add_file(world, "deck.pdf", PDF * 100)
        html = seller.get(url("room_detail", room)).content.decode()
        assert "7.5\xa0KB" in html
        assert world.owner.get_full_name() in html

    def test_a_seller_reorders_and_removes_resources(
        self, seller, world, room, media, django_capture_on_commit_callbacks
    ):
        first = add_file(world, "a.pdf", PDF, title="First")
        second = ResourceFactory(room=room, title="Second", created_by=world.owner)
        move = url("resource_move", room, resource_id=second.public_id)
        assert seller.post(move, {"direction": "up"}).status_code == 302
        assert list(room.resources.order_by("position").values_list("title", flat=True)) == [
            "Second",
            "First",
        ]
        stored = media / first.file.name
        with django_capture_on_commit_callbacks(execute=True):
            response = seller.post(url("resource_delete", room, resource_id=first.public_id))
        assert response.status_code == 302
        assert not stored.exists()
        assert list(room.resources.all()) == [second]
        kinds = set(Event.objects.filter(room=room).values_list("kind", flat=True))
        assert {"resource.added", "resource.moved", "resource.deleted"} <= kinds

    def test_removing_with_htmx_reloads_the_room_page(self, seller, world, room):
        resource = ResourceFactory(room=room, created_by=world.owner)
        response = seller.post(
            url("resource_delete", room, resource_id=resource.public_id), HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 200
        assert response["HX-Refresh"] == "true"
        assert not room.resources.exists()


class TestServices:
    def test_a_failed_save_leaves_no_file_behind(self, world, media, monkeypatch):
        def fail(*args, **kwargs):
            raise RuntimeError("the database went away")

        monkeypatch.setattr("rooms.resource_services.event_record_by", fail)
        with pytest.raises(RuntimeError):
            add_file(world, "deck.pdf", PDF)
        assert not Resource.objects.exists()
        assert not [p for p in media.rglob("*") if p.is_file()]

    def test_moving_past_either_end_does_nothing(self, world, room):
        only = ResourceFactory(room=room)
        assert (
            resource_move(resource=only, direction="up", by=room_access_for(world.owner, room))
            is False
        )

    def test_deleting_a_link_records_it(self, world, room):
        link = ResourceFactory(room=room, title="Doc")
        resource_delete(resource=link, by=room_access_for(world.owner, room))
        assert Event.objects.filter(
            kind="resource.deleted", summary="removed the link “Doc”"
        ).exists()
