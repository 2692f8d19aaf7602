import logging

from celery import shared_task

from stakeholders.services import buyer_links_request

logger = logging.getLogger("tandem")


@shared_task
def buyer_links_send(email: str) -> int:
    return buyer_links_request(email=email)


def buyer_links_request_later(*, email: str) -> None:
    """Do the work of a link request in a worker, so that the page answers in the same time
    whether or not the address is known."""
    try:
        buyer_links_send.apply_async(args=[email], retry=False)
    except Exception:  # the broker is unreachable: do it now rather than lose it
        logger.warning("buyer link request handled in the request: broker unavailable")
        buyer_links_request(email=email)
