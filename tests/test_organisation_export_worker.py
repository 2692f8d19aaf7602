"""An organisation export built by a real Celery worker on Redis and PostgreSQL: the page's
row moves from queued to ready on its own, and the emailed link downloads the ZIP."""

import io
import re
import zipfile

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from governance.models import ExportStatus, OrganisationExport
from tests.conftest import require_or_skip
from tests.test_celery import real_worker, wait_for  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgresql(settings, tmp_path):
    require_or_skip(
        connection.vendor == "postgresql",
        "DATABASE_URL is not PostgreSQL: the worker needs a database it can share",
    )
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_worker_builds_the_export_and_the_emailed_link_downloads_it(
    client,
    world,
    real_worker,  # noqa: F811
):
    client.force_login(world.owner)
    client.post(reverse("organisation_export_start", args=[world.org_a.public_id]))
    export = OrganisationExport.objects.get()
    assert wait_for(lambda: OrganisationExport.objects.get().status == ExportStatus.READY, 60), (
        OrganisationExport.objects.get().error
    )
    assert wait_for(lambda: any("export" in m.subject.lower() for m in mail.outbox), 30)
    status = reverse("organisation_export_status", args=[world.org_a.public_id, export.public_id])
    assert "Ready" in client.get(status).content.decode()
    (message,) = [m for m in mail.outbox if "export" in m.subject.lower()]
    (path,) = re.findall(r"https?://[^/\s]+(/exports/[^/\s]+/)", message.body)
    response = client.get(path)
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert "Buyer A1" in archive.read("rooms.csv").decode()
