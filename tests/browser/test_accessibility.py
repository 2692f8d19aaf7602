"""Every page a person can reach by following links passes axe-core with no serious or critical
violation: the owner, manager and rep of an organisation, a buyer who came by their link, and
someone signed out, each crawling from where they land.

axe-core's script comes from the pinned, hashed axe-playwright-python package (its bundled
``axe.min.js``) and is handed to the page through the DevTools protocol: no third-party host, and
no inline script for the page's CSP to refuse. Each URL pattern (the route, whatever the ids and
the query string) is checked once per person, so twenty rooms cost what one room costs.
"""

import datetime
import re
from collections import deque
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import axe_playwright_python
import pytest
from django.urls import Resolver404, resolve
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from accounts.models import Role
from plans.builtin_templates import BUILTIN_TEMPLATES
from rooms.access import room_access_for
from rooms.services import room_create
from stakeholders.services import buyer_invite, buyer_link_create, stakeholder_add_buyer
from tests.browser.test_buyer_journey import sign_in
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_SOURCE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.slice(0, 3)
      .map((n) => n.target.join(" ")).join(", ")}`);
}"""
# Links the crawl does not follow: they end the session, leave the site's pages for files
# (exports, the PDF, calendar feeds), or are Django's admin (not a product page).
NOT_PAGES = re.compile(
    r"^/(static|media|admin)/|/logout/|\.(csv|xlsx|pdf|ics)$|/export|/document|/calendar|/feed|"
    r"/download|/files?/"
)
MAX_PATTERNS = 30


def pattern_of(path: str) -> str | None:
    """The route a path resolves to (ids and tokens left out), or None for no page of ours."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.route or match.url_name or path


def crawl(page: Page, base: str, *starts: str) -> dict[str, list[str]]:
    """Breadth first from ``starts``, one URL per pattern: the violations of each page seen."""
    found: dict[str, list[str]] = {}
    queue: deque[str] = deque(starts)
    seen_patterns: set[str] = set()
    while queue and len(seen_patterns) < MAX_PATTERNS:
        path = queue.popleft()
        pattern = pattern_of(urlsplit(path).path)
        if pattern is None or pattern in seen_patterns or NOT_PAGES.search(urlsplit(path).path):
            continue
        seen_patterns.add(pattern)
        try:
            response = page.goto(base + path)
        except PlaywrightError:  # a download (a file, not a page)
            continue
        content_type = response.headers.get("content-type", "") if response else ""
        if response is None or response.status != 200 or "text/html" not in content_type:
            continue
        if pattern.startswith("api/docs"):  # Swagger UI draws itself once it has the schema
            page.locator(".swagger-ui .opblock").first.wait_for()
        page.evaluate(AXE_SOURCE)
        violations = page.evaluate(RUN_AXE)
        if violations:
            found[path] = violations
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            parts = urlsplit(urljoin(base + path, href))
            if f"{parts.scheme}://{parts.netloc}" != base or not parts.path:
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    assert len(seen_patterns) > 3, f"the crawl from {starts} reached almost nothing"
    return found


def report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{path}\n  " + "\n  ".join(items) for path, items in found.items())


@pytest.fixture
def organisation():
    """An organisation with its three kinds of seller, a room each for the admin and the rep
    (with a buyer invited to the admin's), and the buyer's link."""
    owner = MembershipFactory(
        role=Role.ADMIN, organisation__name="Northwind Software", user__name="Ada Admin"
    )
    organisation = owner.organisation
    manager = MembershipFactory(organisation=organisation, role=Role.MANAGER, user__name="Maya")
    rep = MembershipFactory(organisation=organisation, role=Role.REP, user__name="Raj Rep")
    target = timezone.localdate() + datetime.timedelta(days=60)
    room = room_create(
        membership=owner,
        buyer_company="Globex Corporation",
        target_date=target,
        template=BUILTIN_TEMPLATES["enterprise"],
    )
    room_create(
        membership=rep,
        buyer_company="Initech",
        target_date=target,
        template=BUILTIN_TEMPLATES["smb"],
    )
    by = room_access_for(owner.user, room)
    buyer = stakeholder_add_buyer(by=by, name="Frank Grimes", email="frank@globex.example")
    buyer_invite(stakeholder=buyer, by=by)
    _link, token = buyer_link_create(stakeholder=buyer, actor=owner.user, replace=False)
    return {"owner": owner, "manager": manager, "rep": rep, "room": room, "token": token}


def test_every_page_each_person_reaches_passes_axe(live_server, new_page, organisation):
    """One organisation, five people in turn (one test: the set-up is the slow part)."""
    found: dict[str, dict[str, list[str]]] = {}
    for persona in ("owner", "manager", "rep"):
        page = new_page()
        sign_in(page, live_server, organisation[persona].user.email, "/")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        # The API's documentation is linked from the API tokens page; it starts there too.
        found[persona] = crawl(page, live_server.url, "/", "/api/docs/")

    page = new_page()
    page.goto(f"{live_server.url}/b/{organisation['token']}/")
    page.get_by_role("button", name="Open the room").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Globex Corporation")
    found["buyer"] = crawl(page, live_server.url, urlsplit(page.url).path)

    found["signed out"] = crawl(new_page(), live_server.url, "/")
    failures = {who: pages for who, pages in found.items() if pages}
    assert not failures, "serious or critical axe violations:\n" + "\n".join(
        f"as {who}:\n{report(pages)}" for who, pages in failures.items()
    )
