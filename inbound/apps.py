from django.apps import AppConfig


class InboundConfig(AppConfig):
    """Replies by email: a face, like web and api, through which people act in a room. It gives
    the outbox its Reply-To addresses (outbox.composers.reply_maker_register) and takes
    messages from its own SMTP server (inbound.smtp) and from hosted providers' webhooks
    (django-anymail's inbound signal)."""

    name = "inbound"

    def ready(self) -> None:
        # Imported here, not at the top: its modules load models, which must wait until the
        # app registry is ready.
        from inbound import wiring

        wiring.connect()
