"""What the inbound app plugs into: the outbox's Reply-To, anymail's inbound signal and
governance's erasure (a person's logged messages go with them)."""

from anymail.signals import inbound

from governance.erasure import erasure_hook_register
from inbound.addresses import reply_address_for
from inbound.services import inbound_erase
from inbound.webhooks import anymail_inbound_received
from outbox.composers import reply_maker_register


def connect() -> None:
    reply_maker_register(reply_address_for)
    inbound.connect(anymail_inbound_received, dispatch_uid="tandem.inbound")
    erasure_hook_register("inbound", inbound_erase)
