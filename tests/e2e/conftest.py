"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Every page a test visits goes through `assert_accessible(page)`: a full-page screenshot, then
axe-core's WCAG 2.0/2.1 A and AA rules, and a check that no script, stylesheet or image was
blocked (a Content-Security-Policy violation or a missing static file breaks pages in ways
axe cannot see).
"""

import os
import re
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.cache import cache

# The shared fixtures live in src/cophub/conftest.py, which only covers tests under
# src/cophub/; importing them here makes them available to the browser tests too.
from cophub.conftest import (  # noqa: F401
    TOTP_SECRET,
    community,
    gov_member,
    make_group,
    make_lead,
    make_user,
    organizer,
    public_user,
)

REPO_DIR = Path(__file__).resolve().parents[2]
AXE_JS = REPO_DIR / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path("/usr/lib/chromium/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-background-networking",
                 "--disable-component-update"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# WCAG 2.2 AA adds, among others, the target size rule (24 × 24 px): ask for it with
# `assert_accessible(page, tags=WCAG22_TAGS)`.
WCAG22_TAGS = [*WCAG_TAGS, "wcag22aa"]
PASSWORD = "a long test passphrase"
# Browsers ask for /favicon.ico on their own; the site has no favicon, which is no failure
# of the page being tested.
IGNORED_PATHS = {"/favicon.ico"}

_screenshot_dir: Path | None = None


def pytest_terminal_summary(terminalreporter):
    if _screenshot_dir is not None:
        terminalreporter.write_line(f"e2e screenshots: {_screenshot_dir}")


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    """COPHUB_E2E_SCREENSHOTS if set, else a fresh temporary directory (printed at the end)."""
    global _screenshot_dir
    if target := os.environ.get("COPHUB_E2E_SCREENSHOTS"):
        path = Path(target)
        path.mkdir(parents=True, exist_ok=True)
    else:
        path = Path(tempfile.mkdtemp(prefix="cophub-e2e-screenshots-"))
    _screenshot_dir = path
    return path


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.exists():
        pytest.skip(f"axe-core is not installed ({AXE_JS} is missing); run `npm ci`")
    return AXE_JS.read_text()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}; `make test` installs it "
                    "(apt-get install chromium chromium-driver)")
    # Never let Playwright fetch a browser of its own.
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in the test thread, which trips Django's
    # async-unsafe guard when a test reads the database. The tests never share a connection
    # with that loop, so the guard is lifted, but only while the browser runs: the unit tests
    # collected before these keep it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                 args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server, axe_source):
    """A fresh browser context (no cookies) per test, pointed at the live server. The page
    records failed sub-resources and console errors for `assert_accessible` to report."""
    # The locmem cache outlives a test: rate-limit counters left by earlier tests (allauth
    # sends one confirmation message per address every 3 minutes) must not leak in.
    cache.clear()
    context = browser.new_context(base_url=live_server.url,
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.problems = []

    def on_response(response):
        path = urlsplit(response.url).path
        if (response.status >= 400 and response.request.resource_type != "document"
                and path not in IGNORED_PATHS):
            page.problems.append(f"{response.status} for {response.request.resource_type} "
                                 f"{path}")

    def on_console(message):
        if message.type == "error" and "Failed to load resource" not in message.text:
            page.problems.append(f"console error: {message.text}")

    page.on("response", on_response)
    def on_request_failed(request):
        # A link that starts a file download aborts its navigation: not a broken resource.
        if request.is_navigation_request() and "ERR_ABORTED" in (request.failure or ""):
            return
        # A fetch still running when the page is left (the header's notification count,
        # loaded by htmx) is aborted by the browser, not broken: a broken one answers with
        # an error status, which on_response reports.
        if request.resource_type in ("xhr", "fetch") and "ERR_ABORTED" in (
                request.failure or ""):
            return
        page.problems.append(f"request failed: {request.url} ({request.failure})")

    page.on("requestfailed", on_request_failed)
    page.on("console", on_console)
    page.on("pageerror", lambda error: page.problems.append(f"script error: {error}"))
    yield page
    context.close()


def _format_violations(url: str, violations: list[dict]) -> str:
    lines = [f"{len(violations)} axe violation(s) on {url}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} — {v['helpUrl']}")
        for node in v["nodes"]:
            target = " ".join(" > ".join(t) if isinstance(t, list) else t
                              for t in node["target"])
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    at {target}: {summary}")
            lines.append(f"       {node['html'][:200]}")
    return "\n".join(lines)


@pytest.fixture
def assert_accessible(request, screenshot_dir, axe_source):
    """`assert_accessible(page)`: screenshot, then fail on any WCAG 2.1 AA axe violation or
    any blocked or missing resource on the page as it is now. `tags=WCAG22_TAGS` checks
    WCAG 2.2 AA as well."""
    counter = iter(range(1, 100))
    test_name = re.sub(r"[^\w-]+", "_", request.node.name)

    def check(page, label: str = "", *, tags: list[str] = WCAG_TAGS) -> None:
        page.wait_for_load_state("load")
        path = urlsplit(page.url).path.strip("/").replace("/", "_") or "home"
        name = f"{test_name}-{next(counter):02d}-{label or path}.png"
        page.screenshot(path=str(screenshot_dir / name), full_page=True)
        page.evaluate(axe_source)
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", tags
        )
        problems, page.problems[:] = list(page.problems), []
        if result["violations"]:
            pytest.fail(_format_violations(page.url, result["violations"]), pytrace=False)
        if problems:
            pytest.fail(f"Broken resources on {page.url}:\n" + "\n".join(problems),
                        pytrace=False)

    return check


# --- helpers for the journeys --------------------------------------------------------------


def totp_code(secret: str = TOTP_SECRET) -> str:
    """The current code; waits out the last seconds of a 30-second period so the code is
    still current when the server checks it."""
    if time.time() % 30 > 27:
        time.sleep(30 - time.time() % 30 + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.fixture
def sign_in(assert_accessible):
    """Sign in through the login page (and the two-factor page if the account has TOTP),
    checking each page on the way."""

    def do(page, email: str, password: str = PASSWORD, *, totp_secret: str | None = None):
        page.goto("/accounts/login/")
        assert_accessible(page)
        page.locator("input[name=login]").fill(email)
        page.locator("input[name=password]").fill(password)
        page.locator("form:has(input[name=password])").get_by_role(
            "button", name=re.compile(r"sign in", re.I)).click()
        page.wait_for_load_state("load")
        if totp_secret is not None:
            code = page.locator("input[name=code]")
            code.wait_for()
            assert_accessible(page, "two-factor-code")
            code.fill(totp_code(totp_secret))
            page.locator("form:has(input[name=code])").locator(
                "button[type=submit]").first.click()
            page.wait_for_load_state("load")
        assert is_signed_in(page), f"not signed in after login; at {page.url}"

    return do


_STICKING_OUT = """() => {
    const width = document.documentElement.clientWidth;
    const out = [];
    for (const element of document.body.querySelectorAll("*")) {
        const box = element.getBoundingClientRect();
        if (box.width === 0 || box.right <= width + 1) continue;
        const inner = [...element.children].some(
            child => child.getBoundingClientRect().right > width + 1);
        if (!inner) out.push(`${element.tagName.toLowerCase()}${element.id ? "#" + element.id : ""}`
                             + ` (right edge ${Math.round(box.right)} px): `
                             + (element.textContent || "").trim().slice(0, 60));
    }
    return out.slice(0, 5);
}"""


def sideways_overflow(page) -> str:
    """Empty when the page fits the width of its viewport; otherwise how wide it is and the
    innermost elements that stick out, for a failure message."""
    scroll_width, width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]")
    if scroll_width <= width:
        return ""
    return (f"{page.url} scrolls sideways: {scroll_width} px wide in a {width} px window; "
            + "; ".join(page.evaluate(_STICKING_OUT)))


def is_signed_in(page) -> bool:
    """The navigation offers "Sign out" (counted even when a narrow screen folds the menu)."""
    nav = page.get_by_role("navigation", name="Primary navigation", include_hidden=True)
    return nav.get_by_role("button", name="Sign out", include_hidden=True).count() == 1


def account_menu(page, item: str, *, role: str = "link") -> None:
    """Open the header's "My account" menu (behind "Menu" on a narrow screen) and choose
    `item` in it ("My profile", "My registrations", "Sign out": a button)."""
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible():
        menu.click()
    page.get_by_role("button", name="My account").click()
    page.locator("#nav-mine").get_by_role(role, name=item).click()
