from django.core.management.base import BaseCommand

from notifications.digest import digest_sweep
from notifications.reminders import reminders_sweep


class Command(BaseCommand):
    help = "Run one sweep by hand: queue the reminders and digests due now (what beat starts)."

    def handle(self, *args, **options) -> None:
        reminders = reminders_sweep()
        digests = digest_sweep()
        self.stdout.write(f"{reminders} reminder(s) and {digests} digest(s) queued.")
