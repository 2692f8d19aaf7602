"""Structured logs: one JSON object a line in production, each carrying the id of the request
(or of the request that queued the Celery task) it was written for.

The id comes from the request's ``X-Request-ID`` when a proxy in front set a sane one, else it
is made here (config.middleware); it travels to Celery in a message header and is set again
around the task (config.celery), so that one grep follows a click into the worker that sent
its email.
"""

import contextvars
import json
import logging
import re
import uuid
from datetime import UTC, datetime

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
# What a proxy may hand us: short, and nothing a log reader could mistake for structure.
_SANE = re.compile(r"[A-Za-z0-9._-]{8,64}")
HEADER = "tandem_request_id"  # the Celery message header


def request_id_from(value: str | None) -> str:
    """The proxy's id if it is a sane one, else a new one."""
    if value and _SANE.fullmatch(value):
        return value
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Put the current request id on every record (empty outside requests and tasks)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


# What every LogRecord has: the rest was passed in ``extra`` and is written out too.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "request_id",
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or request_id.get(),
            "process": record.process,
        }
        for name, value in record.__dict__.items():
            if name not in _STANDARD and not name.startswith("_"):
                entry[name] = value if isinstance(value, str | int | float | bool) else repr(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
