"""What stakeholders plugs into the layers below: called once, from StakeholdersConfig.ready()."""

from outbox.composers import secret_register
from stakeholders.services import BUYER_LINK_MAKER, buyer_link_token_renew


def connect() -> None:
    # A buyer's link in an email gets its token when the email is sent.
    secret_register(BUYER_LINK_MAKER, buyer_link_token_renew)
