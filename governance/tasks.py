from celery import shared_task

from governance.audit import audit_purge
from governance.export import export_build, exports_purge


@shared_task
def audit_purge_task() -> int:
    """Beat starts it nightly: audit entries past AUDIT_LOG_RETENTION_DAYS are deleted."""
    return audit_purge()


@shared_task
def organisation_export_task(export_id: int) -> str:
    """Build an organisation's export ZIP (governance.export), saving progress as it goes."""
    return str(export_build(export_id).status)


@shared_task
def exports_purge_task() -> int:
    """Beat starts it nightly: the ZIPs of expired exports are deleted from storage."""
    return exports_purge()
