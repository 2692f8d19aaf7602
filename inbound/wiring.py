"""What the inbound app plugs into: the outbox's Reply-To and anymail's inbound signal."""

from anymail.signals import inbound

from inbound.addresses import reply_address_for
from inbound.webhooks import anymail_inbound_received
from outbox.composers import reply_maker_register


def connect() -> None:
    reply_maker_register(reply_address_for)
    inbound.connect(anymail_inbound_received, dispatch_uid="tandem.inbound")
