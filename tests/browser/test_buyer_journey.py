"""The buyer's side of a room, driven through the pages by three people in browsers of their own:
a seller invites a buyer by email; the buyer opens her personal link, ticks her task, comments
and shares a file; the seller sees it all in the activity feed and gets an alert email; the
buyer brings in a colleague, who gets his own link; the seller revokes the buyer, who is locked
out mid-session.

Emails are read the way a person would get them: as messages in files (Django's file backend),
not from ``mail.outbox``.
"""

import datetime
import email
import email.policy
import re
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from accounts.models import Role
from notifications.models import BuyerAlertState
from notifications.tasks import buyer_alert_sweep
from plans.builtin_templates import BUILTIN_TEMPLATES
from plans.models import Status
from rooms.models import Resource
from rooms.services import room_create
from stakeholders.models import AccessState, Stakeholder
from tests.factories import PASSWORD, MembershipFactory, StakeholderFactory, TaskFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SMB = BUILTIN_TEMPLATES["smb"]
SELLER_ORG = "Northwind Traders"
SELLER_NAME = "Sam Seller"
COMPANY = "Harbour Logistics"
DANA = "dana@buyer.example"
COLE = "cole@buyer.example"
SECRET_TASK = "Get the 20% discount approved"
COMMENT = "Our IT team asks whether SSO is included in the first year."
FILE_TITLE = "Signed security questionnaire"
FILE_NAME = "security-questionnaire.pdf"
# A minimal PDF: the upload check reads the type from the content (rooms/uploads.py).
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PHONE = {"width": 390, "height": 844}
BUYER_LINK = re.compile(r"https?://[^\s/]+/b/[^/\s]+/")
SEPARATOR = re.compile(rb"^-{79}\r?$", re.MULTILINE)  # between messages in one file


class Mailbox:
    """The messages Django's file backend wrote: one file per connection, several per file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def messages(self) -> list[EmailMessage]:
        found = []
        for path in sorted(self.directory.glob("*.log")):
            for chunk in SEPARATOR.split(path.read_bytes()):
                if chunk.strip():
                    found.append(email.message_from_bytes(chunk, policy=email.policy.default))
        return found

    def to(self, address: str, count: int = 1, timeout: float = 5.0) -> list[EmailMessage]:
        """The messages to the address, once there are at least ``count`` of them."""
        deadline = time.monotonic() + timeout
        while True:
            found = [message for message in self.messages() if address in message["To"]]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.1)


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link_in(message: EmailMessage, live_server) -> str:
    found = BUYER_LINK.findall(text_of(message))
    assert len(found) == 1, text_of(message)
    assert found[0].startswith(live_server.url), found[0]  # SITE_URL is the live server
    return found[0]


def sign_in(page: Page, live_server, email_address: str, next_path: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.get_by_label(re.compile(r"^Email", re.IGNORECASE)).fill(email_address)
    # Email first (single sign-on): then the password.
    page.get_by_role("button", name="Continue").click()
    page.get_by_label(re.compile(r"^Password:?$", re.IGNORECASE)).fill(PASSWORD)
    page.get_by_role("button", name=re.compile(r"^sign in$", re.IGNORECASE)).click()


def snapshot(page: Page, path) -> None:
    """A full-page screenshot from the top, caret left alone (see test_room_journey.snapshot:
    Playwright's caret hiding leaves ``style=""`` behind, which htmx then trips the CSP on)."""
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=path, full_page=True, caret="initial")


def press(button: Locator) -> None:
    """Click a button as a person does."""
    button.click()


def open_buyer_link(
    page: Page, link: str, name: str, inviter: str = f"{SELLER_NAME} ({SELLER_ORG})"
) -> None:
    """GET shows where the link leads (mail scanners prefetch) and who invited them, as their
    email did; the button opens the room."""
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Your plan with {SELLER_ORG}")
    expect(page.get_by_text(f"Hello {name}:")).to_be_visible()
    expect(page.get_by_text(f"{inviter} shares the plan to go live at {COMPANY}")).to_be_visible()
    page.get_by_role("button", name="Open the room").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(COMPANY)


@pytest.fixture
def mailbox(settings, tmp_path) -> Mailbox:
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    return Mailbox(settings.EMAIL_FILE_PATH)


def test_invited_buyer_works_in_the_room_brings_a_colleague_and_is_locked_out_when_revoked(
    live_server, new_page, settings, tmp_path, mailbox, celery_eager
):
    settings.SITE_URL = live_server.url  # emailed links point at the live server
    settings.MEDIA_ROOT = tmp_path / "media"
    admin = MembershipFactory(
        role=Role.ADMIN,
        organisation__name=SELLER_ORG,
        user__name=SELLER_NAME,
        user__email="sam@northwind.example",
    )
    room = room_create(
        membership=admin,
        buyer_company=COMPANY,
        target_date=timezone.localdate() + datetime.timedelta(days=45),
        template=SMB,
    )
    room_path = f"/rooms/{room.public_id}/"
    room_url = live_server.url + room_path
    TaskFactory(milestone=room.milestones.first(), title=SECRET_TASK, is_internal=True)
    buyer_tasks = list(
        room.tasks.filter(side="buyer", is_internal=False).order_by("due_date", "position")
    )
    assert len(buyer_tasks) >= 2, "the SMB template gives the buyer tasks of their own"
    ticked, untouched = buyer_tasks[0], buyer_tasks[1]

    # 1. The seller adds Dana from the buyer's side, then invites her.
    seller = new_page()
    asked: list[str] = []  # hx-confirm on "Revoke": what the seller is asked, then yes
    seller.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    sign_in(seller, live_server, admin.user.email, room_path)
    expect(seller.get_by_role("heading", level=1)).to_have_text(COMPANY)
    people = seller.get_by_role("region", name="People")
    people.get_by_text(f"Add someone from {COMPANY}", exact=True).click()
    people.get_by_label("Name").fill("Dana Decider")
    people.get_by_label("Email").fill(DANA)
    people.get_by_label("Buying role").select_option(label="Champion")
    # Adding her invites her too: the default button, in one step.
    people.get_by_role("button", name="Add and invite").click()
    dana_row = people.get_by_role("listitem").filter(has_text="Dana Decider")
    expect(dana_row).to_contain_text(f"{DANA} · Invited")
    expect(people.get_by_role("status")).to_have_text(
        "Added Dana Decider and emailed them their link to the room."
    )
    expect(people.get_by_role("button", name="Send a new link to Dana Decider")).to_be_visible()
    dana_stakeholder = Stakeholder.objects.get(room=room, email=DANA)
    assert dana_stakeholder.access_state == AccessState.INVITED

    # 2. Dana, in her own browser, follows the emailed link into the room.
    [invitation] = mailbox.to(DANA)
    assert (
        invitation["Subject"] == f"{SELLER_NAME} ({SELLER_ORG}) shared the {COMPANY} plan with you"
    )
    dana_link = link_in(invitation, live_server)
    dana = new_page()
    open_buyer_link(dana, dana_link, "Dana Decider")
    expect(dana).to_have_url(room_url)
    main = dana.get_by_role("main")
    expect(main.get_by_role("heading", name="Your tasks")).to_be_visible()
    expect(main.get_by_role("region", name="Plan")).to_contain_text(ticked.title)
    expect(main).not_to_contain_text(SECRET_TASK)
    expect(main.get_by_text("Internal", exact=True)).to_have_count(0)
    expect(main.get_by_role("region", name="Activity")).to_have_count(0)  # the seller's view
    # She may tick her side's tasks, and only those.
    expect(dana.get_by_role("button", name=re.compile(r"^Complete "))).to_have_count(
        len(buyer_tasks)
    )
    dana_stakeholder.refresh_from_db()
    assert dana_stakeholder.access_state == AccessState.ACTIVE

    # She ticks a task of hers: the row changes in place.
    dana.get_by_role("button", name=f"Complete {ticked.title}", exact=True).click()
    expect(dana.get_by_role("button", name=f"Reopen {ticked.title}", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )

    # She asks a question in the discussion.
    discussion = dana.get_by_role("region", name="Discussion")
    discussion.get_by_label("Comment").fill(COMMENT)
    discussion.get_by_role("button", name="Post").click()
    expect(discussion.get_by_text(COMMENT)).to_be_visible()

    # She shares a PDF through the Resources card.
    resources = dana.get_by_role("region", name="Resources")
    resources.get_by_text("Share a file", exact=True).click()
    file_form = resources.locator("details", has=dana.get_by_text("Share a file", exact=True))
    file_form.get_by_label("File", exact=True).set_input_files(
        files=[{"name": FILE_NAME, "mimeType": "application/pdf", "buffer": PDF}]
    )
    file_form.get_by_label("Title (optional)").fill(FILE_TITLE)
    file_form.get_by_role("button", name="Upload").click()
    expect(dana.get_by_text(f"Shared “{FILE_TITLE}”.")).to_be_visible()
    resources = dana.get_by_role("region", name="Resources")
    expect(resources.get_by_role("link", name=FILE_TITLE)).to_be_visible()
    expect(resources).to_contain_text(f"{FILE_NAME} · {len(PDF)} bytes")
    upload = Resource.objects.get(room=room)
    assert (upload.original_name, upload.content_type) == (FILE_NAME, "application/pdf")
    snapshot(dana, tmp_path / "buyer-room.png")

    # 3. The seller reloads: Dana's tick, comment and upload are in the activity feed.
    seller.reload()
    activity = seller.get_by_role("region", name="Activity")
    expect(activity).to_contain_text("opened the room for the first time")
    expect(activity).to_contain_text(f"completed “{ticked.title}”")
    expect(activity).to_contain_text("commented in the discussion")
    expect(activity).to_contain_text(f"shared the file “{FILE_TITLE}” ({len(PDF)} bytes)")
    expect(seller.get_by_role("region", name="Discussion")).to_contain_text(COMMENT)
    expect(seller.get_by_role("region", name="Plan")).to_contain_text(SECRET_TASK)
    expect(
        seller.get_by_role("button", name=f"Reopen {ticked.title}", exact=True)
    ).to_have_attribute("aria-pressed", "true")
    snapshot(seller, tmp_path / "seller-room.png")

    # Her first action alerted the owner at once; the rest wait for the next batch.
    [first_alert] = mailbox.to(admin.user.email)
    assert first_alert["Subject"] == f"{COMPANY}: 1 new buyer action"
    assert "opened the room for the first time" in text_of(first_alert)
    assert f"{live_server.url}{room_path}" in text_of(first_alert)
    # Ten minutes on, beat's sweep sends the batch: everything else she did, in one email.
    BuyerAlertState.objects.filter(room=room).update(
        due_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert buyer_alert_sweep() == 1
    alerts = mailbox.to(admin.user.email, count=2)
    assert len(alerts) == 2, [message["Subject"] for message in alerts]
    [batch] = [message for message in alerts if message["Subject"] != first_alert["Subject"]]
    assert batch["Subject"] == f"{COMPANY}: 3 new buyer actions"
    body = text_of(batch)
    for summary in (f"completed “{ticked.title}”", "commented in the discussion", FILE_TITLE):
        assert summary in body, body
    assert "opened the room for the first time" not in body

    # 4. Dana brings in a colleague, who gets a link of his own.
    people = dana.get_by_role("region", name="People")
    people.get_by_text("Bring in a colleague", exact=True).click()
    people.get_by_label("Name").fill("Cole Colleague")
    people.get_by_label("Email").fill(COLE)
    people.get_by_role("button", name="Add and invite").click()
    expect(people.get_by_role("listitem").filter(has_text="Cole Colleague")).to_contain_text(
        f"{COLE} · Invited"
    )
    [cole_invitation] = mailbox.to(COLE)
    cole_link = link_in(cole_invitation, live_server)
    assert cole_link != dana_link

    cole = new_page(viewport=PHONE)  # he opens it on his phone
    open_buyer_link(cole, cole_link, "Cole Colleague", f"Dana Decider ({COMPANY})")
    expect(cole).to_have_url(room_url)
    expect(cole.get_by_role("region", name="Discussion")).to_contain_text(COMMENT)
    expect(
        cole.get_by_role("region", name="Resources").get_by_role("link", name=FILE_TITLE)
    ).to_be_visible()
    expect(cole.get_by_role("main")).not_to_contain_text(SECRET_TASK)
    snapshot(cole, tmp_path / "buyer-room-phone.png")
    width = cole.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert cole.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width

    # 5. The seller revokes Dana; her open page stops working at once.
    seller.reload()
    people = seller.get_by_role("region", name="People")
    dana_row = people.get_by_role("listitem").filter(has_text="Dana Decider")
    press(people.get_by_role("button", name="Revoke Dana Decider's access"))
    expect(dana_row).to_contain_text(f"{DANA} · Revoked")
    assert asked[-1].startswith("Revoke the access of Dana Decider?"), asked
    expect(people.get_by_role("button", name="Invite Dana Decider again")).to_be_visible()

    # Her page is still open from before: a tick now is refused and nothing changes.
    with dana.expect_response(re.compile(r"/toggle/$")) as refused:
        dana.get_by_role("button", name=f"Complete {untouched.title}", exact=True).click()
    assert refused.value.status == 404
    expect(
        dana.get_by_role("button", name=f"Complete {untouched.title}", exact=True)
    ).to_have_attribute("aria-pressed", "false")
    untouched.refresh_from_db()
    assert untouched.status == Status.TODO

    # She is told so beside the tick, in words.
    ended = f"Your access to this room has ended; ask {SELLER_NAME} for a new link."
    expect(dana.locator(f"#task-{untouched.public_id}").get_by_role("alert")).to_have_text(ended)
    # Reloading is a 404 all the same, in words; her link is dead too.
    response = dana.reload()
    assert response is not None and response.status == 404
    expect(dana.get_by_role("heading", level=1)).to_have_text("Access ended")
    expect(dana.get_by_role("alert")).to_have_text(ended)
    expect(dana.get_by_role("main")).not_to_contain_text(COMMENT)
    response = dana.goto(dana_link)
    assert response is not None and response.status == 404
    expect(dana.get_by_role("button", name="Open the room")).to_have_count(0)

    # Cole, invited by her, keeps his own access.
    cole.reload()
    expect(cole.get_by_role("heading", level=1)).to_have_text(COMPANY)


def test_a_seller_clicks_invite_with_the_mouse(live_server, page):
    admin = MembershipFactory(role=Role.ADMIN, organisation__name=SELLER_ORG)
    room = room_create(
        membership=admin,
        buyer_company=COMPANY,
        target_date=timezone.localdate() + datetime.timedelta(days=45),
    )
    StakeholderFactory(room=room, name="Dana Decider", email=DANA, role="champion")
    sign_in(page, live_server, admin.user.email, f"/rooms/{room.public_id}/")
    people = page.get_by_role("region", name="People")
    people.get_by_role("button", name="Invite Dana Decider", exact=True).click(timeout=3_000)
    expect(people.get_by_role("listitem").filter(has_text="Dana Decider")).to_contain_text(
        f"{DANA} · Invited"
    )
