"""How governance hears of what happens: called once, from GovernanceConfig.ready()."""

from activity.subscriptions import subscribe
from governance.audit import audit_on_recorded
from governance.export import EXPORT_MAKER, export_token_renew
from outbox.composers import secret_register


def connect() -> None:
    subscribe("governance.audit", audit_on_recorded)
    secret_register(EXPORT_MAKER, export_token_renew)
