import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from inbound.smtp import controller


class Command(BaseCommand):
    help = "Serve the SMTP server that takes replies to Tandem's emails (INBOUND_SMTP_HOST:PORT)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=None)
        parser.add_argument("--port", type=int, default=None)

    def handle(self, *args, host: str | None = None, port: int | None = None, **options) -> None:
        if not settings.INBOUND_EMAIL_DOMAIN:
            raise CommandError("Set INBOUND_EMAIL_DOMAIN first: without it replies are off.")
        server = controller(host, port)
        server.start()
        self.stdout.write(
            f"Taking replies for reply+…@{settings.INBOUND_EMAIL_DOMAIN} on "
            f"{server.hostname}:{server.port}",
        )
        self.stdout.flush()
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
