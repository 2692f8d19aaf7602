from celery import shared_task

from stakeholders.services import buyer_links_request


@shared_task
def buyer_links_send(email: str) -> int:
    return buyer_links_request(email=email)
