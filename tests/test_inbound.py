"""Replies by email, end to end: real messages sent with smtplib to Tandem's running aiosmtpd
server (Gmail-, Outlook- and Apple-Mail-shaped, HTML-only, out-of-office, tampered, from a
revoked buyer, twice, with attachments), and a Postmark inbound webhook through django-anymail.
Each test checks exactly what the room holds afterwards."""

import base64
import json
import smtplib
import socket
from email.message import EmailMessage

import pytest
from django.core import mail
from django.test import Client

from inbound.addresses import reply_address_for
from inbound.models import InboundMessage, InboundStatus
from inbound.smtp import controller
from inbound.tokens import reply_token_from_address
from outbox.models import OutboundEmail
from plans.models import Comment, Status
from rooms.models import Resource
from stakeholders.models import AccessState, Stakeholder
from tests.factories import TaskFactory

DOMAIN = "reply.tandem.test"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def free_port() -> int:
    for port in range(18500, 18600):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 18500-18599")


@pytest.fixture
def replies_on(settings):
    settings.INBOUND_EMAIL_DOMAIN = DOMAIN
    return settings


@pytest.fixture
def smtp_server(replies_on):
    server = controller("127.0.0.1", free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def room(world):
    return world.room_a1


@pytest.fixture
def bea(room):
    return room.stakeholders.get(email="bea@buyer-a1.example")


@pytest.fixture
def buyer_task(room):
    return TaskFactory(
        milestone=room.milestones.get(), title="Send the security questionnaire", side="buyer"
    )


def send(
    server, message: EmailMessage, *, sender: str | None = None, to: str | None = None
) -> None:
    with smtplib.SMTP(server.hostname, server.port, timeout=30) as client:
        client.send_message(message, from_addr=sender, to_addrs=to)


def reply(
    to: str, text: str | None, *, sender="Bea Buyer <bea@buyer-a1.example>", html=None, msg_id=None
):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = "Re: Reminder: Send the security questionnaire"
    message["Message-ID"] = msg_id or f"<{id(message)}.{text and len(text)}@mail.example>"
    if text is not None:
        message.set_content(text)
        if html:
            message.add_alternative(html, subtype="html")
    else:
        message.set_content(html, subtype="html")
    return message


def to_bea():
    return [m for m in mail.outbox if m.to == ["bea@buyer-a1.example"]]


def task_address(task, email):
    return reply_address_for(f"task:{task.pk}", email)


GMAIL = """Sounds good, we'll send it on Friday.

On Mon, 30 Nov 2026 at 09:12, Tandem <tandem@localhost> wrote:

> Reminder: Send the security questionnaire is due in 2 days.
>
> Open the task: http://127.0.0.1:8000/b/abc/
"""

OUTLOOK = """Done\r
\r
Thanks, all signed.\r
\r
________________________________\r
From: Tandem <tandem@localhost>\r
Sent: Monday, November 30, 2026 9:12 AM\r
To: Bea Buyer <bea@buyer-a1.example>\r
Subject: Reminder: Send the security questionnaire\r
\r
Send the security questionnaire is due in 2 days.\r
"""

APPLE = """Yes, legal has it now.

Sent from my iPhone

> On 30 Nov 2026, at 09:12, Tandem <tandem@localhost> wrote:
>
> Send the security questionnaire is due in 2 days.
"""


@pytest.mark.django_db(transaction=True)
class TestRepliesThroughTheSMTPServer:
    def test_a_gmail_reply_becomes_the_buyers_comment_on_the_task_without_the_quote(
        self, smtp_server, world, bea, buyer_task
    ):
        html = (
            "<div dir='ltr'>Sounds good, we'll send it on Friday.</div>"
            "<div class='gmail_quote'>On Mon wrote:<blockquote>old</blockquote></div>"
        )
        send(smtp_server, reply(task_address(buyer_task, bea.email), GMAIL, html=html))
        comment = Comment.objects.get()
        assert (comment.task, comment.author, comment.body) == (
            buyer_task,
            world.buyer,
            "Sounds good, we'll send it on Friday.",
        )
        assert InboundMessage.objects.get().status == InboundStatus.ACCEPTED
        assert InboundMessage.objects.get().raw == b""  # handled: the raw message is not kept
        assert to_bea() == []  # all went well: nothing to say (the owner's alert aside)

    def test_an_outlook_reply_saying_done_ticks_the_task_and_comments_the_rest(
        self, smtp_server, world, bea, buyer_task
    ):
        send(smtp_server, reply(task_address(buyer_task, bea.email), OUTLOOK))
        buyer_task.refresh_from_db()
        assert buyer_task.status == Status.DONE and buyer_task.completed_by == world.buyer
        assert list(Comment.objects.values_list("body", flat=True)) == ["Thanks, all signed."]

    @pytest.mark.parametrize("word", ["done", "✓", "Completed.", "Erledigt", "terminé", "hecho!"])
    def test_a_first_line_of_done_alone_ticks_in_a_few_languages(
        self, smtp_server, bea, buyer_task, word
    ):
        send(smtp_server, reply(task_address(buyer_task, bea.email), f"{word}\n\n> quoted"))
        buyer_task.refresh_from_db()
        assert buyer_task.status == Status.DONE
        assert not Comment.objects.exists()

    def test_done_by_friday_is_a_question_not_a_tick(self, smtp_server, bea, buyer_task):
        send(smtp_server, reply(task_address(buyer_task, bea.email), "Done by Friday?"))
        buyer_task.refresh_from_db()
        assert buyer_task.status != Status.DONE
        assert Comment.objects.get().body == "Done by Friday?"

    def test_an_apple_mail_reply_loses_its_sent_from_line_and_quote(
        self, smtp_server, bea, buyer_task
    ):
        send(smtp_server, reply(task_address(buyer_task, bea.email), APPLE))
        assert Comment.objects.get().body == "Yes, legal has it now."

    def test_an_html_only_reply_is_read_as_text_and_nothing_in_it_runs(
        self, smtp_server, bea, room
    ):
        html = (
            "<html><head><style>p{color:red}</style></head><body>"
            "<p>Please see <b>the</b> notes &amp; call me <script>alert(1)</script></p>"
            "<p>&lt;img src=x onerror=alert(2)&gt;</p>"
            "<div class='gmail_quote'><div>On Mon, 30 Nov 2026, Tandem wrote:</div>"
            "<blockquote>The old email</blockquote></div></body></html>"
        )
        address = reply_address_for(f"room:{room.pk}", bea.email)
        send(smtp_server, reply(address, None, html=html))
        comment = Comment.objects.get()
        assert comment.task is None and comment.room == room  # the room's discussion
        assert comment.body == "Please see the notes & call me\n<img src=x onerror=alert(2)>"

    def test_an_out_of_office_is_refused_silently(self, smtp_server, bea, buyer_task):
        message = reply(task_address(buyer_task, bea.email), "I am away until Monday.")
        message["Auto-Submitted"] = "auto-replied"
        message.replace_header("Subject", "Automatic reply: Reminder")
        send(smtp_server, message)
        other = reply(task_address(buyer_task, bea.email), "Away", msg_id="<ooo2@mail.example>")
        other["X-Autoreply"] = "yes"
        send(smtp_server, other)
        bulk = reply(task_address(buyer_task, bea.email), "News", msg_id="<bulk@mail.example>")
        bulk["Precedence"] = "bulk"
        send(smtp_server, bulk)
        assert not Comment.objects.exists()
        assert set(InboundMessage.objects.values_list("status", "reason")) == {
            (InboundStatus.REFUSED, "automatic message (auto-reply)")
        }
        assert mail.outbox == []  # an answering machine is never answered

    def test_a_bounce_is_refused_silently(self, smtp_server, bea, buyer_task):
        message = reply(task_address(buyer_task, bea.email), "Delivery failed")
        message.replace_header("From", "MAILER-DAEMON@mail.example")
        send(smtp_server, message, sender="")
        assert not Comment.objects.exists() and mail.outbox == []
        assert InboundMessage.objects.get().reason == "automatic message (bounce)"

    def test_a_tampered_token_is_refused_and_nobody_is_told(self, smtp_server, bea, buyer_task):
        address = task_address(buyer_task, bea.email)
        token = reply_token_from_address(address)
        forged = token[:10] + ("a" if token[10] != "a" else "b") + token[11:]
        send(smtp_server, reply(address.replace(token, forged), "Let me in"))
        assert not Comment.objects.exists() and mail.outbox == []
        assert InboundMessage.objects.get().reason == "unknown or tampered reply address"

    def test_a_token_for_one_buyer_cannot_be_moved_to_another_room(
        self, smtp_server, world, bea, buyer_task
    ):
        # Olga's token names room A2; rewriting its room in the payload breaks the signature.
        olga = Stakeholder.objects.get(email="olga@buyer-a2.example")
        address = reply_address_for(f"room:{world.room_a2.pk}", olga.email)
        send(smtp_server, reply(address, "Hello A2", sender=olga.email))
        assert Comment.objects.get().room == world.room_a2
        assert task_address(buyer_task, olga.email) is None  # not a person of room A1

    def test_a_revoked_buyers_reply_is_refused_and_they_are_told_in_words(
        self, smtp_server, bea, buyer_task
    ):
        address = task_address(buyer_task, bea.email)
        Stakeholder.objects.filter(pk=bea.pk).update(access_state=AccessState.REVOKED)
        send(smtp_server, reply(address, "Still here?"))
        assert not Comment.objects.exists()
        assert InboundMessage.objects.get().status == InboundStatus.REFUSED
        assert [m.to for m in mail.outbox] == [["bea@buyer-a1.example"]]
        assert "no longer have access" in mail.outbox[0].body
        assert mail.outbox[0].extra_headers["Auto-Submitted"] == "auto-replied"

    def test_the_same_message_twice_is_stored_once(self, smtp_server, bea, buyer_task):
        message = reply(
            task_address(buyer_task, bea.email), "Once only", msg_id="<dup@mail.example>"
        )
        send(smtp_server, message)
        send(smtp_server, message)
        assert Comment.objects.count() == 1
        assert InboundMessage.objects.count() == 1

    def test_attachments_become_room_files_through_the_upload_checks(
        self, smtp_server, world, bea, buyer_task, room
    ):
        message = reply(task_address(buyer_task, bea.email), "Questionnaire attached.")
        message.add_attachment(PDF, maintype="application", subtype="pdf", filename="security.pdf")
        message.add_attachment(
            b"MZ\x90\x00binary", maintype="application", subtype="octet-stream", filename="tool.exe"
        )
        send(smtp_server, message)
        resource = Resource.objects.get()
        assert (resource.room, resource.original_name, resource.created_by) == (
            room,
            "security.pdf",
            world.buyer,
        )
        assert resource.content_type == "application/pdf"
        assert Comment.objects.get().body == "Questionnaire attached."
        assert len(to_bea()) == 1
        assert "“tool.exe” was not added" in to_bea()[0].body

    def test_another_sender_with_a_valid_token_is_named_in_the_comment(
        self, smtp_server, world, bea, buyer_task
    ):
        message = reply(
            task_address(buyer_task, bea.email),
            "Forwarded to me: on it.",
            sender="Cole <cole@buyer-a1.example>",
        )
        send(smtp_server, message)
        comment = Comment.objects.get()
        assert comment.author == world.buyer
        assert comment.body == "Forwarded to me: on it.\n\n(by email from cole@buyer-a1.example)"

    def test_a_seller_replies_to_an_alert_in_the_rooms_discussion(self, smtp_server, world, room):
        address = reply_address_for(f"room:{room.pk}", world.owner.email)
        send(smtp_server, reply(address, "Thanks Bea!", sender=world.owner.email))
        comment = Comment.objects.get()
        assert (comment.author, comment.task, comment.is_internal) == (world.owner, None, False)

    def test_a_seller_no_longer_on_the_room_cannot_reply(self, smtp_server, world, room):
        address = reply_address_for(f"room:{room.pk}", world.manager.email)
        world.membership(world.manager).delete()
        send(smtp_server, reply(address, "Hi", sender=world.manager.email))
        assert not Comment.objects.exists()

    def test_an_empty_reply_is_refused_with_a_word_back(self, smtp_server, bea, buyer_task):
        send(smtp_server, reply(task_address(buyer_task, bea.email), "\n> just the quote\n"))
        assert not Comment.objects.exists()
        assert "nothing in it" in to_bea()[0].body

    def test_the_server_takes_no_mail_for_other_addresses(self, smtp_server, bea):
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            send(smtp_server, reply(f"someone@{DOMAIN}", "relay me"))
        assert not InboundMessage.objects.exists()

    def test_a_message_over_the_size_limit_is_refused_while_it_comes_in(
        self, replies_on, bea, buyer_task
    ):
        replies_on.INBOUND_MAX_BYTES = 2048
        server = controller("127.0.0.1", free_port())
        server.start()
        try:
            with pytest.raises(smtplib.SMTPException):
                send(server, reply(task_address(buyer_task, bea.email), "x" * 5000))
        finally:
            server.stop()
        assert not InboundMessage.objects.exists() and not Comment.objects.exists()


@pytest.mark.django_db
class TestReplyToOnOutgoingEmails:
    def test_an_invitation_carries_a_reply_address_made_when_it_is_sent(
        self, replies_on, world, bea, django_capture_on_commit_callbacks
    ):
        client = Client()
        client.force_login(world.owner)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/rooms/{world.room_a1.public_id}/stakeholders/{bea.public_id}/invite/")
        sent = mail.outbox[-1]
        reply_to = sent.extra_headers["Reply-To"]
        assert reply_to.startswith("reply+") and reply_to.endswith(f"@{DOMAIN}")
        assert len(reply_to.split("@")[0]) <= 64  # an address's local part
        assert "X-Tandem-Reply-About" not in sent.extra_headers
        stored = OutboundEmail.objects.get(to=bea.email)
        assert "Reply-To" not in stored.headers  # the outbox never holds the address

    def test_without_a_domain_there_is_no_reply_to(self, settings, world, bea, buyer_task):
        settings.INBOUND_EMAIL_DOMAIN = ""
        assert task_address(buyer_task, bea.email) is None


POSTMARK = {
    "FromFull": {"Email": "bea@buyer-a1.example", "Name": "Bea Buyer"},
    "ToFull": [],
    "Subject": "Re: Reminder",
    "MessageID": "22c74902-a0c1-4511-804f-341342852c90",
    "TextBody": "Signed and sent back.\n\nOn Mon, Tandem wrote:\n> old",
    "Headers": [{"Name": "Message-ID", "Value": "<postmark-1@mail.example>"}],
    "Attachments": [],
}


@pytest.mark.django_db
class TestPostmarkInboundWebhook:
    def post(self, client, payload, auth="hook:s3cret"):
        headers = {}
        if auth:
            headers["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(auth.encode()).decode()
        return client.post(
            "/inbound/postmark/", json.dumps(payload), content_type="application/json", **headers
        )

    @pytest.fixture
    def payload(self, bea, buyer_task):
        address = task_address(buyer_task, bea.email)
        return {
            **POSTMARK,
            "ToFull": [{"Email": address, "Name": ""}],
            "OriginalRecipient": address,
        }

    @pytest.fixture
    def secret(self, replies_on):
        replies_on.ANYMAIL = {"WEBHOOK_SECRET": "hook:s3cret"}

    def test_a_verified_postmark_message_becomes_a_comment(
        self, client, secret, payload, world, buyer_task, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            assert self.post(client, payload).status_code == 200
        comment = Comment.objects.get()
        assert (comment.task, comment.author, comment.body) == (
            buyer_task,
            world.buyer,
            "Signed and sent back.",
        )
        assert InboundMessage.objects.get().via == "postmark"

    def test_a_request_without_the_secret_is_refused_and_stores_nothing(
        self, client, secret, payload
    ):
        assert self.post(client, payload, auth="hook:wrong").status_code in (400, 403)
        assert self.post(client, payload, auth=None).status_code in (400, 403)
        assert not InboundMessage.objects.exists()

    def test_without_a_secret_configured_the_webhook_is_not_there(
        self, client, replies_on, payload
    ):
        replies_on.ANYMAIL = {"WEBHOOK_SECRET": ""}
        assert self.post(client, payload).status_code == 404
        assert self.post(client, payload, auth=None).status_code == 404


@pytest.mark.django_db
class TestLiveRoom:
    def url(self, world):
        return f"/rooms/{world.room_a1.public_id}/live/"

    def test_nothing_new_is_a_304_after_three_queries(
        self, client, world, django_assert_num_queries
    ):
        client.force_login(world.owner)
        etag = client.get(self.url(world))["ETag"]
        # its user (the session comes from the cache), the room, the membership (the access
        # check): nothing more
        with django_assert_num_queries(3):
            response = client.get(self.url(world), HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 304 and response.content == b""

    def test_a_change_brings_the_new_body_and_a_new_etag(self, client, world, buyer_task):
        client.force_login(world.buyer)
        first = client.get(self.url(world))
        assert first.status_code == 200 and buyer_task.title in first.content.decode()
        client.post(f"/rooms/{world.room_a1.public_id}/comments/", {"body": "Live one"})
        second = client.get(self.url(world), HTTP_IF_NONE_MATCH=first["ETag"])
        assert second.status_code == 200 and second["ETag"] != first["ETag"]
        assert "Live one" in second.content.decode()

    def test_a_buyer_never_gets_the_sellers_body(self, client, world):
        internal = TaskFactory(
            milestone=world.room_a1.milestones.get(), title="Discount", is_internal=True
        )
        client.force_login(world.buyer)
        assert internal.title not in client.get(self.url(world)).content.decode()

    def test_a_revoked_buyer_and_an_outsider_get_404(self, client, world):
        client.force_login(world.revoked_buyer)
        assert client.get(self.url(world)).status_code == 404
        client.force_login(world.outsider)
        assert client.get(self.url(world)).status_code == 404

    def test_the_room_page_carries_the_live_marker_and_script(self, client, world):
        client.force_login(world.buyer)
        html = client.get(f"/rooms/{world.room_a1.public_id}/").content.decode()
        assert 'id="tandem-live"' in html and "js/live.js" in html
