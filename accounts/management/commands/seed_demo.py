from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Membership, Organisation, Role, User
from accounts.services import organisation_create, user_create_verified

DEMO_ORGANISATION = "Northwind Software"
DEMO_PASSWORD = "tandem-demo-2026"  # noqa: S105 - printed on purpose, for a local demo only
DEMO_PEOPLE = [
    ("admin@northwind.example", "Ada Admin", Role.ADMIN),
    ("manager@northwind.example", "Maya Manager", Role.MANAGER),
    ("rep@northwind.example", "Raj Rep", Role.REP),
]


class Command(BaseCommand):
    help = "Load the demo organisation and its people. Safe to run again: it changes nothing twice."

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
        self.stdout.write(self.style.SUCCESS(f"Demo organisation: {organisation.name}"))
        self.stdout.write("Sign in at http://127.0.0.1:8000/accounts/login/ with:")
        for email, _name, role in DEMO_PEOPLE:
            self.stdout.write(f"  {role.label:<8} {email:<28} password: {DEMO_PASSWORD}")
