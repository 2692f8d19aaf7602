"""An admin exports the organisation in a real browser (issue 17): the Data page shows the
job's progress, polls it with htmx while it runs and says when it is ready."""

import os
import re

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from governance import export as export_module
from governance.export import export_build
from governance.models import ExportStatus, OrganisationExport
from tests.browser.test_room_journey import PHONE, sign_in
from tests.factories import MembershipFactory, RoomFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shoot(page, name: str) -> None:
    shots = os.environ.get("SCREENSHOTS")  # a developer looking at the pages
    if not shots:
        return
    size = page.viewport_size
    page.screenshot(path=f"{shots}/{name}_1280.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=f"{shots}/{name}_390.png", full_page=True)
    page.set_viewport_size(size)


def test_an_admin_watches_the_export_run_and_finish(
    new_page, live_server, monkeypatch, settings, tmp_path, celery_eager
):
    settings.MEDIA_ROOT = tmp_path / "media"
    admin = MembershipFactory(role=Role.ADMIN, user__email="ada@initech.example")
    for company in ("Globex", "Umbrella"):
        RoomFactory(organisation=admin.organisation, owner=admin.user, buyer_company=company)
    # No worker picks the job up by itself here: the test plays the worker, step by step.
    started = []
    monkeypatch.setattr(export_module, "export_dispatch", started.append)
    page = new_page()
    sign_in(page, live_server, admin.user.email)
    page.goto(f"{live_server.url}/orgs/{admin.organisation.public_id}/data/")
    page.get_by_role("button", name="Export the organisation").click()
    expect(page.get_by_text("The export has started")).to_be_visible()
    (export_id,) = started
    OrganisationExport.objects.filter(pk=export_id).update(
        status=ExportStatus.RUNNING, progress=40, step="Writing tasks"
    )
    progress = page.locator(".export").get_by_role("status")
    expect(progress).to_contain_text("40%")  # the poll brought it, no reload
    expect(progress).to_contain_text("Writing tasks")
    shoot(page, "export_running")

    export_build(export_id)
    expect(page.get_by_text("Ready · emailed")).to_be_visible()
    expect(page.locator(".export").get_by_role("status")).to_have_count(0)
    expect(page.get_by_text(re.compile(r"The link in the email works until"))).to_be_visible()
    shoot(page, "export_ready")
