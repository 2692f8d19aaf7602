import random
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Organisation, Role, Side, User
from accounts.services import organisation_create, user_create_verified
from activity.kinds import EventKind
from activity.models import Event
from analytics.rollups import rollup_rebuild
from plans.builtin_templates import BUILTIN_TEMPLATES
from plans.models import Task
from plans.services import comment_create, task_set_done
from rooms.access import room_access_for
from rooms.models import Room
from rooms.services import room_create, room_update_details
from stakeholders.models import AccessState, Stakeholder
from stakeholders.services import (
    buyer_invite,
    buyer_link_create,
    buyer_link_redeem,
    buyer_link_url,
    stakeholder_add_buyer,
    stakeholder_add_seller,
)

DEMO_ORGANISATION = "Northwind Software"
HISTORY_DAYS = 35
GLOBEX = "Globex Corporation"
DEMO_PASSWORD = "tandem-demo-2026"  # noqa: S105 - printed on purpose, for a local demo only
DEMO_PEOPLE = [
    ("admin@northwind.example", "Ada Admin", Role.ADMIN),
    ("manager@northwind.example", "Maya Manager", Role.MANAGER),
    ("rep@northwind.example", "Raj Rep", Role.REP),
]


class Command(BaseCommand):
    help = "Load the demo organisation, its people and two rooms. Safe to run again."

    @transaction.atomic
    def handle(self, *args, **options):
        organisation = Organisation.objects.filter(name=DEMO_ORGANISATION).first()
        for email, name, role in DEMO_PEOPLE:
            user = User.objects.filter(email=email).first() or user_create_verified(
                email=email, password=DEMO_PASSWORD, name=name
            )
            if organisation is None:
                organisation = organisation_create(name=DEMO_ORGANISATION, creator=user)
            Membership.objects.get_or_create(
                organisation=organisation, user=user, defaults={"role": role}
            )
        assert organisation is not None  # noqa: S101 - DEMO_PEOPLE is not empty
        demo_link = self._seed_rooms(organisation)
        self.stdout.write(self.style.SUCCESS(f"Demo organisation: {organisation.name}"))
        self.stdout.write(f"Sign in at {settings.SITE_URL}{reverse('account_login')} with:")
        for email, _name, role in DEMO_PEOPLE:
            self.stdout.write(f"  {role.label:<8} {email:<28} password: {DEMO_PASSWORD}")
        if demo_link:
            self.stdout.write(f"A buyer's view (Frank Grimes at Globex, no password): {demo_link}")

    def _seed_rooms(self, organisation: Organisation) -> str:
        """Two rooms a visitor can click through: one mid-way, one just started. Returns a
        fresh link into the first as its champion (each run makes a new one)."""
        globex = Room.objects.filter(organisation=organisation, buyer_company=GLOBEX).first()
        if globex is None:
            globex = self._create_rooms(organisation)
        champion = globex.stakeholders.filter(email="frank@globex.example").first()
        if champion is None or champion.access_state == AccessState.REVOKED:
            return ""
        _link, token = buyer_link_create(stakeholder=champion, actor=None, replace=False)
        return buyer_link_url(token)

    def _create_rooms(self, organisation: Organisation) -> Room:
        today = timezone.localdate()
        admin = Membership.objects.get(organisation=organisation, role=Role.ADMIN)
        rep = Membership.objects.get(organisation=organisation, role=Role.REP)
        globex = room_create(
            membership=rep,
            buyer_company=GLOBEX,
            target_date=today + timedelta(days=90),
            template=BUILTIN_TEMPLATES["enterprise"],
        )
        as_rep = room_access_for(rep.user, globex)
        room_update_details(
            by=as_rep,
            accent_colour="#0f766e",
            deal_value=Decimal("84000"),
            currency="USD",
            value_summary=(
                "Globex's revenue team replaces three spreadsheets with one forecast they trust, "
                "**two weeks before** their fiscal-year planning starts."
            ),
            success_criteria="- Forecast accuracy within 5%\n- Every rep on it by go-live",
            business_goal="A trusted FY27 plan",
            business_goal_date=today + timedelta(days=120),
        )
        for name, email, title, role in [
            ("Hank Scorpio", "hank@globex.example", "Chief Executive", "economic_buyer"),
            ("Frank Grimes", "frank@globex.example", "VP Sales Operations", "champion"),
            ("Mindy Simmons", "mindy@globex.example", "IT Security Lead", "security"),
        ]:
            stakeholder_add_buyer(by=as_rep, name=name, email=email, title=title, role=role)
        stakeholder_add_seller(by=as_rep, member=admin)
        champion = globex.stakeholders.get(email="frank@globex.example")
        buyer_invite(stakeholder=champion, by=as_rep)  # the email lands in var/mail/
        for task in globex.tasks.order_by("due_date")[:6]:
            task_set_done(task=task, done=True, by=as_rep)
        comment_create(
            by=as_rep,
            body="Welcome, Globex team! This is our shared plan to go-live. Shout if a date is "
            "off.",
        )
        initech = room_create(
            membership=rep,
            buyer_company="Initech",
            target_date=today + timedelta(days=25),
            template=BUILTIN_TEMPLATES["smb"],
        )
        manager = Membership.objects.get(organisation=organisation, role=Role.MANAGER)
        acme = room_create(
            membership=manager,
            buyer_company="Acme Logistics",
            target_date=today + timedelta(days=21),
            template=BUILTIN_TEMPLATES["enterprise"],
        )
        umbrella = room_create(
            membership=admin,
            buyer_company="Umbrella Health",
            target_date=today + timedelta(days=40),
            template=BUILTIN_TEMPLATES["onboarding"],
        )
        DemoHistory(today).seed(globex, initech, acme, umbrella)
        return globex


class DemoHistory:
    """A few weeks of believable history, so the dashboard shows something true on `make run`:
    Globex busy and ahead of plan, Acme behind its target, Initech invited but never opened,
    Umbrella with a buyer gone quiet. Events are written as they would have been then, and
    the rollups rebuilt from them (analytics.rollups), exactly as the workers do."""

    def __init__(self, today):
        self.today = today
        self.now = timezone.now()
        self.random = random.Random(2026)  # noqa: S311 - demo data, not security
        self.events: list[Event] = []

    def seed(self, globex: Room, initech: Room, acme: Room, umbrella: Room) -> None:
        rep = globex.owner
        self._started(globex, days_ago=HISTORY_DAYS, completions=7)
        self._started(acme, days_ago=HISTORY_DAYS, completions=4)
        self._started(umbrella, days_ago=HISTORY_DAYS, completions=5)
        self._started(initech, days_ago=12, completions=0)
        globex_buyers = self._buyers_in(globex)
        # Frank (champion) three times a week; Hank now and then; Mindy only early on.
        pace = {"frank@globex.example": 0.45, "hank@globex.example": 0.12}
        for stakeholder, user in globex_buyers:
            quiet_after = 15 if stakeholder.email == "mindy@globex.example" else 0
            self._visits(globex, stakeholder, user, pace.get(stakeholder.email, 0.3), quiet_after)
        acme_buyer = self._buyer(acme, "Wile Coyote", "wile@acme.example", "champion")
        self._visits(acme, *acme_buyer, chance=0.2)
        umbrella_buyer = self._buyer(
            umbrella, "Alice Abernathy", "alice@umbrella.example", "champion"
        )
        self._visits(umbrella, *umbrella_buyer, chance=0.35, quiet_after=18)
        as_rep = room_access_for(rep, initech)
        initech_buyer = stakeholder_add_buyer(
            by=as_rep,
            name="Peter Gibbons",
            email="peter@initech.example",
            title="Product Manager",
            role="champion",
        )
        buyer_invite(stakeholder=initech_buyer, by=as_rep)
        Stakeholder.objects.filter(pk=initech_buyer.pk).update(
            invited_at=self.now - timedelta(days=10)
        )
        # Overdue work on the buyer's side at Acme.
        late = acme.tasks.filter(side=Side.BUYER).exclude(status="done").order_by("due_date", "pk")
        late_ids = list(late.values_list("pk", flat=True)[:2])
        Task.objects.filter(pk__in=late_ids).update(due_date=self.today - timedelta(days=4))
        # The buyers' first visits happened when the history starts, not now.
        opened = self.now - timedelta(days=HISTORY_DAYS)
        rooms = [globex, acme, umbrella]
        Event.objects.filter(room__in=rooms, kind=EventKind.BUYER_FIRST_VISIT).update(
            created_at=opened, stored_at=opened
        )
        Stakeholder.objects.filter(room__in=rooms, last_seen_at__isnull=False).update(
            last_seen_at=opened
        )
        Event.objects.bulk_create(self.events, batch_size=1000)
        rollup_rebuild(self.today - timedelta(days=HISTORY_DAYS + 1), self.today)

    def _started(self, room: Room, *, days_ago: int, completions: int) -> None:
        """The room began ``days_ago``; its first tasks were done over that time."""
        Room.objects.filter(pk=room.pk).update(start_date=self.today - timedelta(days=days_ago))
        room.refresh_from_db()
        todo = room.tasks.exclude(status="done").order_by("due_date", "pk")
        as_owner = room_access_for(room.owner, room)
        for task in list(todo[:completions]):
            task_set_done(task=task, done=True, by=as_owner)
        done = list(room.tasks.filter(status="done").order_by("due_date", "pk"))
        for i, task in enumerate(done):
            days = days_ago - 3 - (i * (days_ago - 4)) // max(1, len(done))
            hours = self.random.randint(1, 8)
            Task.objects.filter(pk=task.pk).update(
                completed_at=self.now - timedelta(days=max(days, 1), hours=hours)
            )

    def _buyers_in(self, room: Room) -> list[tuple[Stakeholder, User]]:
        return [
            self._activate(stakeholder)
            for stakeholder in room.stakeholders.filter(side=Side.BUYER).order_by("pk")
        ]

    def _buyer(self, room: Room, name: str, email: str, role: str) -> tuple[Stakeholder, User]:
        # Added by the room's owner: the rep who owns Globex cannot reach the others' rooms.
        by = room_access_for(room.owner, room)
        stakeholder = stakeholder_add_buyer(by=by, name=name, email=email, role=role)
        return self._activate(stakeholder)

    def _activate(self, stakeholder: Stakeholder) -> tuple[Stakeholder, User]:
        """The buyer opened their link once (the link's own rules make their user)."""
        if stakeholder.access_state == AccessState.NOT_INVITED:
            room = stakeholder.room
            buyer_invite(stakeholder=stakeholder, by=room_access_for(room.owner, room))
        _link, token = buyer_link_create(stakeholder=stakeholder, actor=None, replace=False)
        redemption = buyer_link_redeem(token=token)
        assert redemption is not None  # noqa: S101 - a fresh link always redeems
        Stakeholder.objects.filter(pk=stakeholder.pk).update(
            invited_at=self.now - timedelta(days=HISTORY_DAYS)
        )
        return redemption.stakeholder, redemption.user

    def _visits(self, room, stakeholder, user, chance: float, quiet_after: int = 0) -> None:
        tasks = list(room.tasks.filter(is_internal=False).values_list("public_id", "title"))
        for days_ago in range(HISTORY_DAYS, 0, -1):
            if quiet_after and days_ago < quiet_after:
                break
            if self.random.random() > chance:
                continue
            at = self.now - timedelta(days=days_ago, hours=self.random.randint(-4, 4))
            self._event(room, user, stakeholder, EventKind.ROOM_VIEWED, "opened the room", at, True)
            for _ in range(self.random.randint(0, 3)):
                at += timedelta(minutes=self.random.randint(1, 6))
                public_id, title = self.random.choice(tasks)
                self._event(
                    room,
                    user,
                    stakeholder,
                    EventKind.TASK_VIEWED,
                    f"opened the task “{title}”",
                    at,
                    False,
                    target=f"task:{public_id}",
                )
            seconds = self.random.randint(60, 900)
            self._event(
                room,
                user,
                stakeholder,
                EventKind.ROOM_TIME,
                f"spent {seconds} s on the room",
                at,
                False,
                seconds=seconds,
            )

    def _event(
        self, room, user, stakeholder, kind, summary, at, starts_visit, target="", seconds=0
    ) -> None:
        self.events.append(
            Event(
                organisation_id=room.organisation_id,
                room=room,
                actor=user,
                actor_side=Side.BUYER,
                stakeholder=stakeholder,
                kind=kind,
                summary=summary,
                created_at=at,
                stored_at=at,
                starts_visit=starts_visit,
                seconds=seconds,
                data={"target": target} if target else {},
            )
        )
