"""Real Chromium (the system's, not Playwright's download) against pytest-django's live server.

Every page a test opens is watched for Content Security Policy violations: one is a failure,
however the journey itself went.
"""

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CHROMIUM, require_or_skip

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls would
# otherwise be refused as "async unsafe". The live server answers from another thread.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}
CSP_VIOLATION = re.compile(r"Content Security Policy|Refused to", re.IGNORECASE)
# Chromium's console wording changes between versions; the DOM event does not.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  const what = `${event.violatedDirective} blocked ${event.blockedURI || "inline"}`;
  console.error(`Content Security Policy violation: ${what} (${where})`);
});
"""
BROWSER_DIR = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if BROWSER_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    require_or_skip(os.path.exists(CHROMIUM), f"Chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class ConsoleWatch:
    """Console messages and page errors of every page opened in a context."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def attach(self, page) -> None:
        page.on("console", lambda message: self.messages.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: self.messages.append(f"pageerror: {error}"))

    @property
    def csp_violations(self) -> list[str]:
        return [message for message in self.messages if CSP_VIOLATION.search(message)]


@pytest.fixture
def new_page(request, browser, tmp_path) -> Iterator:
    """Open a page in a fresh context (a second person, with their own cookies).

    When the test fails, every page it opened is photographed into its tmp_path first.
    """
    contexts = []
    pages = []
    watch = ConsoleWatch()

    def open_page(viewport: dict | None = None):
        context = browser.new_context(viewport=viewport or VIEWPORT, locale="en-GB")
        context.set_default_timeout(10_000)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        contexts.append(context)
        page = context.new_page()
        watch.attach(page)
        pages.append(page)
        return page

    # The report hook below photographs these if the test fails.
    request.node.browser_pages = (pages, tmp_path)
    yield open_page
    for context in contexts:
        # Nothing more reaches the live server: the time-on-page beacon a room page sends as it
        # closes (and a poll of the activity feed) would otherwise arrive while the test
        # database is being flushed, and deadlock the flush (seen in CI).
        context.route("**/*", lambda route: route.abort())
        context.close()
    assert not watch.csp_violations, "Content Security Policy violations:\n" + "\n".join(
        watch.csp_violations
    )


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def celery_eager():
    """Emails queued through Celery are sent in-process, even when REDIS_URL names a broker
    (a worker could not see the test database's rows)."""
    from config.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failed browser test, screenshot every page it opened, while they are still open."""
    report = yield
    pages, directory = getattr(item, "browser_pages", ((), None))
    if report.when == "call" and report.failed and pages:
        lines = []
        for number, page in enumerate(pages, start=1):
            path = directory / f"failure-{number}.png"
            try:
                page.screenshot(path=path, full_page=True)
            except Exception as exc:  # a failure aid must never hide the failure itself
                lines.append(f"page {number} ({page.url}): no screenshot, {exc}")
            else:
                lines.append(f"page {number} ({page.url}): {path}")
        report.sections.append(("browser screenshots", "\n".join(lines)))
    return report
