from datetime import timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Organisation, Role, User
from accounts.services import organisation_create, user_create_verified
from plans.builtin_templates import BUILTIN_TEMPLATES
from plans.services import comment_create, task_set_done
from rooms.models import Room
from rooms.services import room_create, room_update_details
from stakeholders.models import AccessState
from stakeholders.services import (
    buyer_invite,
    buyer_link_create,
    buyer_link_url,
    stakeholder_add_buyer,
    stakeholder_add_seller,
)

DEMO_ORGANISATION = "Northwind Software"
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
        self.stdout.write("Sign in at http://127.0.0.1:8000/accounts/login/ with:")
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
        room_update_details(
            room=globex,
            actor=rep.user,
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
            stakeholder_add_buyer(
                room=globex, actor=rep.user, name=name, email=email, title=title, role=role
            )
        stakeholder_add_seller(room=globex, actor=rep.user, member=admin)
        champion = globex.stakeholders.get(email="frank@globex.example")
        buyer_invite(stakeholder=champion, actor=rep.user)  # the email lands in var/mail/
        for task in globex.tasks.order_by("due_date")[:6]:
            task_set_done(task=task, done=True, actor=rep.user)
        comment_create(
            room=globex,
            actor=rep.user,
            body="Welcome, Globex team! This is our shared plan to go-live. Shout if a date is "
            "off.",
        )
        room_create(
            membership=rep,
            buyer_company="Initech",
            target_date=today + timedelta(days=25),
            template=BUILTIN_TEMPLATES["smb"],
        )
        return globex
