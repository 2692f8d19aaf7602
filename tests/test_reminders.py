"""Task reminders, digests, grouped mentions (issue 6).

Time is frozen by passing ``now=`` to the sweeps. NOW is a Tuesday morning in the past, so that
every email the sweep means for "now" is also due for the sending task (which reads the clock).
"""

import io
import re
from datetime import UTC, date, datetime, timedelta
from smtplib import SMTPRecipientsRefused
from types import SimpleNamespace
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, Side
from config.celery import app as celery_app
from notifications.digest import digest_sweep
from notifications.models import Notice, NoticeKind
from notifications.reminders import reminders_sweep
from outbox.models import EmailStatus, OutboundEmail
from outbox.preferences import preferences_set, wants
from outbox.tasks import email_send
from plans.models import Status
from plans.services import comment_create, task_set_done
from rooms.access import room_access_for
from stakeholders.models import AccessState
from tests.factories import (
    MembershipFactory,
    MilestoneFactory,
    OrganisationFactory,
    RoomFactory,
    StakeholderFactory,
    TaskFactory,
    UserFactory,
    seller_stakeholder,
)

# 09:30 in Paris (UTC+1 in March), 01:30 in Los Angeles, 22:30 in Auckland (UTC+13).
NOW = datetime(2026, 3, 10, 8, 30, tzinfo=UTC)
TODAY = NOW.date()


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


@pytest.fixture
def plan(db):
    """A Paris organisation's room: Sam sells, Bea (invited) buys."""
    org = OrganisationFactory(name="Initech", timezone="Europe/Paris", reminder_days_before=2)
    seller = MembershipFactory(
        organisation=org, role=Role.ADMIN, user__email="sam@initech.example", user__name="Sam"
    ).user
    room = RoomFactory(
        organisation=org, owner=seller, buyer_company="Globex", accent_colour="#0f766e"
    )
    sam = seller_stakeholder(room, seller)
    bea = StakeholderFactory(
        room=room, name="Bea Buyer", email="bea@globex.example", access_state=AccessState.INVITED
    )
    milestone = MilestoneFactory(room=room, title="Security review")
    return SimpleNamespace(org=org, seller=seller, room=room, sam=sam, bea=bea, milestone=milestone)


def task_for(plan, owner, due: date, **extra):
    return TaskFactory(
        milestone=plan.milestone, owner=owner, side=owner.side, due_date=due, **extra
    )


def sent_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def html_of(message) -> str:
    return next(body for body, kind in message.alternatives if kind == "text/html")


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def run_sweep(now: datetime = NOW) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return reminders_sweep(now=now)

    return run_sweep


class TestWhenRemindersGoOut:
    def test_a_task_due_in_two_days_is_reminded_in_the_owners_morning(self, plan, run):
        task_for(plan, plan.sam, days(2), title="Send the security questionnaire")
        assert run(NOW.replace(hour=6, minute=59)) == 0  # 07:59 in Paris: not yet
        assert run(NOW.replace(hour=7)) == 1  # 08:00 in Paris
        [message] = sent_to("sam@initech.example")
        assert "Send the security questionnaire" in message.subject

    def test_the_persons_own_time_zone_wins_over_the_organisations(self, plan, run):
        plan.seller.timezone = "America/Los_Angeles"
        plan.seller.save(update_fields=["timezone"])
        task_for(plan, plan.sam, days(2))
        assert run(NOW) == 0  # 01:30 in Los Angeles
        assert run(NOW.replace(hour=16)) == 1  # 08:00 there

    def test_a_zone_ahead_of_utc_is_already_on_tomorrow(self, plan, run):
        plan.org.timezone = "Pacific/Auckland"
        plan.org.save(update_fields=["timezone"])
        task_for(plan, plan.sam, days(3))  # due in 2 days for Auckland, which is on the 11th
        assert run(NOW.replace(hour=18)) == 0  # 07:00 on the 11th there
        assert run(NOW.replace(hour=19)) == 1  # 08:00 on the 11th there

    def test_the_lead_time_is_the_organisations(self, plan, run):
        task_for(plan, plan.sam, days(3))
        assert run() == 0
        plan.org.reminder_days_before = 3
        plan.org.save(update_fields=["reminder_days_before"])
        assert run() == 1

    def test_no_reminder_before_the_due_date_when_the_lead_time_is_zero(self, plan, run):
        plan.org.reminder_days_before = 0
        plan.org.save(update_fields=["reminder_days_before"])
        task_for(plan, plan.sam, days(1))
        assert run() == 0

    def test_an_overdue_task_is_reminded_the_day_after_and_not_a_month_later(self, plan, run):
        task_for(plan, plan.sam, days(0))  # due today: neither
        late = task_for(plan, plan.sam, days(-1))
        task_for(plan, plan.sam, days(-30))
        assert run() == 1
        assert Notice.objects.get().task == late
        assert Notice.objects.get().kind == NoticeKind.OVERDUE

    def test_done_unowned_internal_buyer_and_template_tasks_are_left_alone(self, plan, run):
        task_for(plan, plan.sam, days(2), status=Status.DONE)
        TaskFactory(milestone=plan.milestone, owner=None, due_date=days(2))
        task_for(plan, plan.bea, days(2), is_internal=True)
        template = RoomFactory(organisation=plan.org, owner=plan.seller, is_template=True)
        TaskFactory(
            milestone=MilestoneFactory(room=template),
            owner=seller_stakeholder(template, plan.seller),
            due_date=days(2),
        )
        assert run() == 0

    def test_revoked_and_uninvited_buyers_get_no_reminder(self, plan, run):
        task_for(plan, plan.bea, days(2))
        plan.bea.access_state = AccessState.REVOKED
        plan.bea.save(update_fields=["access_state"])
        nina = StakeholderFactory(room=plan.room, email="nina@globex.example")  # not invited
        task_for(plan, nina, days(2))
        assert run() == 0

    def test_lost_rooms_are_not_reminded_won_ones_are(self, plan, run):
        task_for(plan, plan.sam, days(2))
        plan.room.stage = "lost"
        plan.room.save(update_fields=["stage"])
        assert run() == 0
        plan.room.stage = "won"  # onboarding goes on
        plan.room.save(update_fields=["stage"])
        assert run() == 1


class TestOncePerTaskAndDueDate:
    def test_a_second_sweep_reminds_of_nothing(self, plan, run):
        task_for(plan, plan.sam, days(2))
        assert run() == 1
        assert run(NOW + timedelta(hours=1)) == 0
        assert run(NOW + timedelta(days=1)) == 0  # still due soon tomorrow: already told
        assert len(sent_to("sam@initech.example")) == 1

    def test_moving_the_due_date_allows_new_reminders(self, plan, run):
        task = task_for(plan, plan.sam, days(2))
        assert run() == 1
        task.due_date = days(3)  # a new date is new news
        task.save(update_fields=["due_date"])
        assert run(NOW + timedelta(days=1)) == 1
        assert run(NOW + timedelta(days=4)) == 1  # and overdue, once
        assert run(NOW + timedelta(days=5)) == 0
        assert len(sent_to("sam@initech.example")) == 3

    def test_completing_the_task_cancels_its_reminders(self, plan, run):
        task = task_for(plan, plan.sam, days(2))
        assert run() == 1
        task_set_done(task=task, done=True, by=room_access_for(plan.seller, plan.room))
        assert run(NOW + timedelta(days=3)) == 0  # no overdue reminder


class TestOneEmailPerPersonPerDay:
    def test_several_tasks_ride_in_one_email(self, plan, run):
        task_for(plan, plan.sam, days(2), title="Send the questionnaire")
        task_for(plan, plan.sam, days(-1), title="Book the kick-off")
        other = RoomFactory(organisation=plan.org, owner=plan.seller, buyer_company="Umbrella")
        task_for(
            SimpleNamespace(milestone=MilestoneFactory(room=other)),
            seller_stakeholder(other, plan.seller),
            days(1),
            title="Price the pilot",
        )
        assert run() == 3
        [message] = sent_to("sam@initech.example")
        assert message.subject == "1 overdue task, 2 tasks due soon"
        for title in ["Send the questionnaire", "Book the kick-off", "Price the pilot", "Umbrella"]:
            assert title in message.body

    def test_a_task_due_later_that_day_waits_for_the_next_morning(self, plan, run):
        task_for(plan, plan.sam, days(2))
        assert run() == 1
        task_for(plan, plan.sam, days(1), title="Added at noon")
        assert run(NOW + timedelta(hours=3)) == 1
        later = OutboundEmail.objects.get(status=EmailStatus.PENDING)
        assert later.key == f"reminders:sam@initech.example:{days(1).isoformat()}"
        assert later.next_attempt_at == datetime(2026, 3, 11, 7, 0, tzinfo=UTC)  # 08:00 Paris
        assert len(sent_to("sam@initech.example")) == 1
        # The next morning's sweep adds nothing new and the outbox sweep sends it.
        assert run(NOW + timedelta(days=1)) == 0
        email_send.run(later.pk)
        assert "Added at noon" in sent_to("sam@initech.example")[1].body


class TestLinks:
    def test_a_seller_is_linked_to_the_task(self, plan, run):
        task = task_for(plan, plan.sam, days(2))
        run()
        [message] = sent_to("sam@initech.example")
        assert f"/rooms/{plan.room.public_id}/tasks/{task.public_id}/" in message.body

    def test_a_buyer_follows_their_link_into_the_task_in_one_click(self, plan, run):
        task = task_for(plan, plan.bea, days(2), title="Sign the order form")
        run()
        [message] = sent_to("bea@globex.example")
        path = re.search(r"/b/[^/\s]+/tasks/[0-9a-f-]+/", message.body).group(0)
        buyer = Client()
        page = buyer.get(path)  # a mail scanner's GET changes nothing
        assert page.status_code == 200
        assert "Sign the order form" in page.content.decode()
        plan.bea.refresh_from_db()
        assert plan.bea.access_state == AccessState.INVITED
        response = buyer.post(path)
        task_url = reverse("task_detail", args=[plan.room.public_id, task.public_id])
        assert response.status_code == 302 and response["Location"] == task_url
        assert buyer.get(task_url).status_code == 200
        assert buyer.get(path).headers["Location"] == task_url  # signed in: straight there

    def test_a_buyer_link_opens_only_tasks_of_its_room_that_buyers_see(self, plan, run):
        task_for(plan, plan.bea, days(2))
        run()
        token = re.search(r"/b/([^/\s]+)/tasks/", sent_to("bea@globex.example")[0].body).group(1)
        internal = task_for(plan, plan.sam, days(9), is_internal=True)
        elsewhere = TaskFactory(due_date=days(9))
        for task in (internal, elsewhere):
            assert Client().get(f"/b/{token}/tasks/{task.public_id}/").status_code == 404

    def test_the_secret_link_is_erased_from_the_outbox_once_sent(self, plan, run):
        task_for(plan, plan.bea, days(2))
        run()
        email = OutboundEmail.objects.get()
        assert email.status == EmailStatus.SENT
        assert "/b/" not in email.body_text + email.body_html


class TestChangedBetweenQueueingAndSending:
    """The email is written when it is sent: what changed since is taken into account."""

    def queue(self, run, plan, *tasks):
        with mock.patch("notifications.reminders.email_dispatch"):  # the broker is down
            assert run() == len(tasks)
        return OutboundEmail.objects.get()

    def test_a_task_completed_in_between_is_not_reminded(self, plan, run):
        task = task_for(plan, plan.sam, days(2))
        email = self.queue(run, plan, task)
        task_set_done(task=task, done=True, by=room_access_for(plan.seller, plan.room))
        assert email_send.run(email.pk) == "cancelled"
        assert mail.outbox == []
        email.refresh_from_db()
        assert email.status == EmailStatus.CANCELLED

    def test_a_task_redated_in_between_is_left_out_and_reminded_at_its_new_date(self, plan, run):
        moved = task_for(plan, plan.sam, days(2), title="Moved task")
        kept = task_for(plan, plan.sam, days(1), title="Kept task")
        email = self.queue(run, plan, moved, kept)
        moved.due_date = days(20)
        moved.save(update_fields=["due_date"])
        assert email_send.run(email.pk) == "sent"
        [message] = mail.outbox
        assert "Kept task" in message.body and "Moved task" not in message.body
        # 20 days on, two days before its new date, it is reminded again.
        with mock.patch("notifications.reminders.email_dispatch"):
            assert reminders_sweep(now=NOW + timedelta(days=18)) == 1

    def test_an_unsubscribe_in_between_cancels_it(self, plan, run):
        email = self.queue(run, plan, task_for(plan, plan.sam, days(2)))
        preferences_set(email="sam@initech.example", muted={"reminders"})
        assert email_send.run(email.pk) == "cancelled"
        assert mail.outbox == []


class TestFaults:
    def test_a_bounce_fails_at_once_and_does_not_loop(self, plan, run, client):
        task_for(plan, plan.sam, days(2))
        refused = SMTPRecipientsRefused({"sam@initech.example": (550, b"No such user")})
        send = mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=refused)
        with send, mock.patch.object(email_send, "retry") as retried:
            run()
        assert not retried.called
        email = OutboundEmail.objects.get()
        assert (email.status, email.attempts) == (EmailStatus.FAILED, 1)
        assert "No such user" in email.last_error
        assert run(NOW + timedelta(days=1)) == 0  # nothing new to queue for it
        client.force_login(plan.seller)
        page = client.get(reverse("email_deliveries", args=[plan.org.public_id]))
        assert "No such user" in page.content.decode()

    def test_a_worker_dying_after_the_server_accepted_never_sends_twice(self, plan, run, client):
        task_for(plan, plan.sam, days(2))
        died = mock.patch("outbox.tasks.email_mark_sent", side_effect=SystemExit("killed"))
        with died, pytest.raises(SystemExit):
            run()
        assert len(mail.outbox) == 1  # the server had it
        email = OutboundEmail.objects.get()
        assert email.status == EmailStatus.SENDING
        # The message is redelivered (acks_late) and the outbox sweep runs: nothing more.
        assert email_send.run(email.pk) == "skipped"
        from outbox.tasks import outbox_sweep

        OutboundEmail.objects.update(created_at=NOW, claimed_at=NOW)
        with mock.patch.object(email_send, "delay") as delay:
            assert outbox_sweep() == 0
        assert not delay.called
        assert len(mail.outbox) == 1
        # The admins see it as interrupted and may send it again.
        client.force_login(plan.seller)
        page = client.get(reverse("email_deliveries", args=[plan.org.public_id]))
        assert "Interrupted" in page.content.decode()

    def test_an_admin_sends_an_interrupted_email_again(self, plan, client):
        email = OutboundEmail.objects.create(
            key="x:1",
            to="sam@initech.example",
            subject="Hello",
            body_text="Hello",
            organisation=plan.org,
            status=EmailStatus.SENDING,
            claimed_at=NOW,
        )
        client.force_login(plan.seller)
        url = reverse("email_send_again", args=[plan.org.public_id, email.public_id])
        assert client.post(url).status_code == 302
        email.refresh_from_db()
        assert email.status == EmailStatus.PENDING

    def test_only_the_organisations_emails_can_be_sent_again(self, plan, client):
        other = OutboundEmail.objects.create(
            key="x:2", to="a@b.example", subject="s", body_text="b", status=EmailStatus.FAILED
        )
        client.force_login(plan.seller)
        url = reverse("email_send_again", args=[plan.org.public_id, other.public_id])
        assert client.post(url).status_code == 404


class TestUnsubscribe:
    def test_the_email_link_unsubscribes_without_signing_in(self, plan, run):
        task_for(plan, plan.bea, days(2))
        run()
        [message] = sent_to("bea@globex.example")
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        url = re.search(r"Stop task reminders: (\S+)", message.body).group(1)
        assert message.extra_headers["List-Unsubscribe"] == f"<{url}>"
        assert Client().post(url.removeprefix("http://testserver")).status_code == 200
        assert not wants("bea@globex.example", "reminders")
        assert wants("bea@globex.example", "mentions")
        task_for(plan, plan.bea, days(-1))
        assert run(NOW + timedelta(days=1)) == 0
        assert len(mail.outbox) == 1


class TestTemplates:
    def test_the_reminder_renders_as_html_and_text_in_the_rooms_colours(self, plan, run):
        task_for(plan, plan.bea, days(2), title="Sign <the> order form")
        run()
        [message] = sent_to("bea@globex.example")
        html = html_of(message)
        assert "#0f766e" in html  # the room's accent
        assert "Initech × Globex" in html and "Sent by Tandem" in html
        assert "Sign &lt;the&gt; order form" in html  # escaped
        assert 'name="viewport"' in html and "max-width:560px" in html  # readable on a phone
        assert "Sign <the> order form" in message.body
        assert "Hello Bea Buyer" in message.body
        assert message.subject.startswith("Due Thursday 12 Mar: Sign <the> order form")


class TestSweepCost:
    def test_the_sweeps_query_count_does_not_grow_with_tasks(self, plan):
        def count(n: int) -> int:
            Notice.objects.all().delete()
            OutboundEmail.objects.all().delete()
            for i in range(n):
                person = StakeholderFactory(
                    room=plan.room, email=f"p{n}-{i}@globex.example", access_state="active"
                )
                task_for(plan, person, days(2))
            with CaptureQueriesContext(connection) as queries:
                reminders_sweep(now=NOW)
            return len(queries)

        reminders_sweep(now=NOW)  # the first sweep ever makes its lock's row
        assert count(2) == count(20)


class TestMentions:
    def test_mentions_are_grouped_after_the_first(self, plan, django_capture_on_commit_callbacks):
        plan.bea.access_state = AccessState.ACTIVE
        plan.bea.save(update_fields=["access_state"])
        for n in range(3):  # three requests
            with django_capture_on_commit_callbacks(execute=True):
                comment_create(
                    by=room_access_for(plan.seller, plan.room), body=f"@Bea Buyer note {n}"
                )
        assert len(sent_to("bea@globex.example")) == 1  # the first at once
        later = OutboundEmail.objects.get(status=EmailStatus.PENDING)
        assert later.notices.count() == 2  # the next two together, at the window's end
        assert later.next_attempt_at > NOW
        OutboundEmail.objects.filter(pk=later.pk).update(next_attempt_at=None)
        email_send.run(later.pk)
        second = sent_to("bea@globex.example")[1]
        assert second.subject == "2 new mentions in your shared plans"
        assert "note 1" in second.body and "note 2" in second.body

    def test_a_mention_is_unsubscribed_from_its_own_link(
        self, plan, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            comment_create(by=room_access_for(plan.seller, plan.room), body="@Bea Buyer hello")
        [message] = sent_to("bea@globex.example")
        url = re.search(r"Stop mention emails: (\S+)", message.body).group(1)
        Client().post(url.removeprefix("http://testserver"))
        assert not wants("bea@globex.example", "mentions")


class TestDigest:
    def event(self, plan, kind, side, when, actor=None, starts_visit=False):
        from activity.models import Event

        event = Event.objects.create(
            organisation=plan.org,
            room=plan.room,
            actor=actor,
            kind=kind,
            actor_side=side,
            summary=kind,
            starts_visit=starts_visit,
        )
        Event.objects.filter(pk=event.pk).update(created_at=when)

    def test_yesterdays_activity_is_digested_once(self, plan, django_capture_on_commit_callbacks):
        yesterday_noon = NOW - timedelta(hours=20)  # 13:30 in Paris on the 9th
        buyer = UserFactory()
        # Two views a few minutes apart: one visit (the recorder marks the first).
        self.event(plan, "room.viewed", "buyer", yesterday_noon, buyer, starts_visit=True)
        self.event(plan, "task.viewed", "buyer", yesterday_noon, buyer)
        self.event(plan, "task.completed", "buyer", yesterday_noon)
        self.event(plan, "comment.created", "seller", yesterday_noon)
        self.event(plan, "comment.created", "seller", NOW - timedelta(days=3))  # not yesterday
        task_for(plan, plan.sam, days(-1))  # became overdue yesterday
        with django_capture_on_commit_callbacks(execute=True):
            assert digest_sweep(now=NOW) == 1
            assert digest_sweep(now=NOW + timedelta(hours=2)) == 0
        [message] = sent_to("sam@initech.example")
        assert message.subject == "Yesterday in your rooms: Globex"
        lines = ["1 buyer visited (1 visit)", "1 task ticked off", "1 comment", "1 task overdue"]
        for line in lines:
            assert line in message.body
        assert "#0f766e" in html_of(message)
        assert "List-Unsubscribe" in message.extra_headers

    def test_a_quiet_day_sends_no_digest(self, plan):
        seller_view = NOW - timedelta(hours=20)
        self.event(plan, "room.viewed", "seller", seller_view, starts_visit=True)  # not news
        task_for(plan, plan.sam, days(-5))  # overdue, but not news
        assert digest_sweep(now=NOW) == 0

    def test_the_digest_waits_for_the_morning_and_respects_the_preference(self, plan):
        self.event(plan, "task.completed", "buyer", NOW - timedelta(hours=20))
        assert digest_sweep(now=NOW.replace(hour=6)) == 0  # 07:00 in Paris
        preferences_set(email="sam@initech.example", muted={"digest"})
        assert digest_sweep(now=NOW) == 0

    def test_a_rep_gets_only_their_rooms(self, plan):
        rep = MembershipFactory(organisation=plan.org, role=Role.REP).user
        self.event(plan, "task.completed", "buyer", NOW - timedelta(hours=20))
        digest_sweep(now=NOW)
        assert not OutboundEmail.objects.filter(to=rep.email).exists()


def test_send_reminders_runs_one_sweep(plan):
    today = timezone.now().date()
    task_for(plan, plan.sam, today + timedelta(days=1))
    out = io.StringIO()
    with mock.patch("notifications.reminders.morning_day", return_value=today):
        call_command("send_reminders", stdout=out)
    assert "1 reminder(s)" in out.getvalue()
    assert Notice.objects.filter(stakeholder=plan.sam).exists()


class TestSettingsPages:
    def test_a_person_chooses_their_time_zone_with_their_emails(self, plan, client):
        client.force_login(plan.seller)
        url = reverse("notification_preferences")
        form = {"alerts": "on", "mentions": "on", "digest": "on", "timezone": "Asia/Tokyo"}
        assert client.post(url, form).status_code == 302
        plan.seller.refresh_from_db()
        assert plan.seller.timezone == "Asia/Tokyo"
        assert not wants(plan.seller.email, "reminders")
        response = client.post(url, {**form, "timezone": "Mars/Olympus"})
        assert response.status_code == 422
        assert "Select a valid choice" in response.content.decode()

    def test_an_admin_sets_the_organisations_time_zone_and_lead_time(self, plan, client):
        client.force_login(plan.seller)
        url = reverse("organisation_settings", args=[plan.org.public_id])
        assert client.get(url).status_code == 200
        form = {"timezone": "America/New_York", "reminder_days_before": "3"}
        assert client.post(url, form).status_code == 302
        plan.org.refresh_from_db()
        assert (plan.org.timezone, plan.org.reminder_days_before) == ("America/New_York", 3)
        bad = client.post(url, {"timezone": "Nowhere", "reminder_days_before": "99"})
        assert bad.status_code == 422
        plan.org.refresh_from_db()
        assert plan.org.reminder_days_before == 3

    def test_a_buyer_has_their_preferences_page_too(self, plan, client):
        buyer = UserFactory(email="bea@globex.example")
        client.force_login(buyer)
        page = client.get(reverse("notification_preferences"))
        assert page.status_code == 200
        assert "Reminders of my tasks" in page.content.decode()


@pytest.mark.parametrize("side", [Side.SELLER, Side.BUYER])
def test_reminder_kinds_are_named_in_the_subject(plan, run, side):
    owner = plan.sam if side == Side.SELLER else plan.bea
    task_for(plan, owner, days(-1), title="Late task")
    run()
    assert mail.outbox[0].subject == "Overdue: Late task"


def test_the_beat_schedule_starts_the_sweeps():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"notifications.tasks.reminders_sweep", "notifications.tasks.digest_sweep"} <= tasks
    celery_app.loader.import_default_modules()  # what a worker does at start: each app's tasks
    assert sorted(name for name in tasks if name not in celery_app.tasks) == []


def test_an_email_that_cannot_be_written_is_retried_with_backoff(plan, run):
    task_for(plan, plan.sam, days(2))
    with mock.patch("notifications.compose.render_to_string", side_effect=ValueError("bug")):
        run()
    email = OutboundEmail.objects.get()
    assert (email.status, email.attempts) == (EmailStatus.PENDING, 1)
    assert "ValueError: bug" in email.last_error
    assert email.next_attempt_at > timezone.now()
    assert not email.notices.get().email.body_text  # nothing half-written
    assert email_send.run(email.pk) == "skipped"  # in its backoff: not retried hot
