import getpass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from accounts.models import Organisation, User
from accounts.services import organisation_create, user_create_verified


class Command(BaseCommand):
    help = "Create an organisation and its first admin, a verified user who can sign in at once."

    def add_arguments(self, parser):
        parser.add_argument("name", help="the organisation's name")
        parser.add_argument("--admin", required=True, metavar="EMAIL", help="the admin's email")
        parser.add_argument(
            "--password", help="the admin's password (asked for when omitted and run in a terminal)"
        )

    def handle(self, *args, name: str, admin: str, password: str | None, **options):
        email = admin.strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"{admin!r} is not a valid email address.") from None
        if Organisation.objects.filter(name__iexact=name.strip()).exists():
            raise CommandError(f"An organisation named {name.strip()!r} already exists.")
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(f"A user with the email {email} already exists.")
        if password is None:
            password = self._ask_password()
        try:
            validate_password(password, User(email=email))
        except ValidationError as exc:
            raise CommandError("The password is too weak: " + " ".join(exc.messages)) from None
        try:
            with transaction.atomic():
                user = user_create_verified(email=email, password=password)
                organisation = organisation_create(name=name, creator=user)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(f"Created {organisation.name} with {user.email} as its admin.")
        )

    def _ask_password(self) -> str:
        import sys

        if not sys.stdin.isatty():
            raise CommandError("No terminal to ask for a password: pass --password.")
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ.")
        return first
