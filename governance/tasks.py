from celery import shared_task

from governance.audit import audit_purge


@shared_task
def audit_purge_task() -> int:
    """Beat starts it nightly: audit entries past AUDIT_LOG_RETENTION_DAYS are deleted."""
    return audit_purge()
