"""How governance hears of what happens: called once, from GovernanceConfig.ready()."""

from activity.subscriptions import subscribe
from governance.audit import audit_on_recorded


def connect() -> None:
    subscribe("governance.audit", audit_on_recorded)
