"""The Celery app. Redis is the broker when REDIS_URL is set; otherwise tasks run eagerly."""

import os

from celery import Celery
from celery.signals import before_task_publish, celeryd_init, task_postrun, task_prerun

from config.logs import HEADER, request_id

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("tandem")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Celery's Django fix-up closes the database connection after every task unless told to reuse
# it: a new PostgreSQL connection per task made storing an event take 14 ms instead of 3.
# Reused, a connection is still closed (and so refreshed) every 2 x this many tasks.
app.conf.CELERY_DB_REUSE_MAX = 500


@celeryd_init.connect
def _patient_worker(conf, **kwargs):
    """Web processes try Redis once and fall back (settings: CELERY_BROKER_TRANSPORT_OPTIONS);
    a worker has nothing to fall back to, so it waits for Redis with kombu's own patience."""
    conf.broker_transport_options = {}


@before_task_publish.connect
def _carry_request_id(headers: dict | None = None, **kwargs) -> None:
    """A task queued while serving a request (or by a task) carries its id (config.logs)."""
    rid = request_id.get()
    if rid and headers is not None:
        headers[HEADER] = rid


_tokens: dict[str, object] = {}


@task_prerun.connect
def _task_request_id(task_id: str | None = None, task=None, **kwargs) -> None:
    """The task's log lines carry the id of the request that queued it (beat's sweeps: none)."""
    rid = getattr(task.request, HEADER, None) if task is not None else None
    if task_id:
        _tokens[task_id] = request_id.set(rid or request_id.get())


@task_postrun.connect
def _task_request_id_done(task_id: str | None = None, **kwargs) -> None:
    token = _tokens.pop(task_id or "", None)
    if token is not None:
        request_id.reset(token)  # type: ignore[arg-type]
