"""Browser fixtures: Debian's Chromium driven by Playwright, and axe-core for accessibility.

A pytest plugin (see ``pytest_plugins`` in ``tests/conftest.py``):

- ``browser`` (session): one headless Chromium for the whole run. Without
  ``/usr/bin/chromium`` the browser tests are skipped locally and fail in CI
  (``tests.services.unavailable``). Playwright never downloads a browser here.
- ``page`` (function): a fresh context per test, sized like a phone and speaking French.
  A failed test leaves a full-page screenshot in ``var/test-artifacts/<test name>.png``;
  an error in the browser console (a failed request, a script error, anything refused by
  the Content Security Policy) fails the test.
- ``english_page`` (function): the same, speaking English (for interface strings that
  the French catalogue does not translate yet).
- ``new_page(locale="fr-FR")`` (function): opens one more page in a context of its own,
  as a second person would (a resident and a staff member in one journey), with the same
  console checks and screenshots (``<test name>-2.png``...).
- ``assert_accessible(page)``: runs axe-core on the page (WCAG 2.0/2.1, levels A and AA)
  and fails with the list of violations.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Error,
    Page,
    ViewportSize,
    sync_playwright,
)

from tests.services import unavailable

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = ROOT / "var" / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# A phone held upright (an iPhone 12-14 sized screen): most residents will come this way.
PHONE_VIEWPORT: ViewportSize = {"width": 390, "height": 844}
DEFAULT_TIMEOUT_MS = 10_000
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}

_axe = Axe()


@dataclass
class ConsoleProblems:
    """What the browser complained about while a test ran."""

    errors: list[str] = field(default_factory=list)
    reported: bool = False

    def on_console(self, message: ConsoleMessage) -> None:
        # Chromium reports Content Security Policy violations as console errors ("Refused
        # to ..." in older versions, "... violates the following Content Security Policy
        # directive ..." in newer ones); keep them whatever their level.
        text = message.text
        if (
            message.type == "error"
            or text.startswith("Refused to")
            or "Content Security Policy" in text
        ):
            where = (message.location or {}).get("url", "")
            self.errors.append(f"[console.{message.type}] {text}{f' ({where})' if where else ''}")

    def on_page_error(self, error: Error) -> None:
        self.errors.append(f"[uncaught exception] {error.message}")

    def report(self) -> str:
        listing = "\n".join(f"  - {problem}" for problem in self.errors)
        return f"The browser reported {len(self.errors)} error(s):\n{listing}"


_console_problems = pytest.StashKey[ConsoleProblems]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the item (``item.rep_setup``, ``rep_call``, ``rep_teardown``),
    so that fixtures can tell in their teardown whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """A test that passed but made the browser complain fails, as a failure of the test."""
    yield  # Re-raises the test's own failure, which then comes first.
    problems = item.stash.get(_console_problems, None)
    if problems is not None and problems.errors:
        problems.reported = True
        pytest.fail(problems.report(), pytrace=False)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread, and Django then refuses
    # ORM calls from it (SynchronousOnlyOperation). The tests and the live server thread
    # still run their queries one at a time, so this is safe here.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _artifact_name(item: pytest.Item) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", item.name).strip("_") or "test"


def _failed(item: pytest.Item) -> bool:
    return any(
        (report := getattr(item, f"rep_{when}", None)) is not None and report.failed
        for when in ("setup", "call")
    )


def _save_screenshot(page: Page, path: Path) -> None:
    try:
        page.screenshot(path=str(path), full_page=True)
    except Error as error:  # The page may have crashed: report the test's failure.
        print(f"Could not save a screenshot to {path}: {error.message}")
    else:
        print(f"Screenshot of the page: {path}")


@pytest.fixture
def new_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Callable[..., Page]]:
    problems = ConsoleProblems()
    request.node.stash[_console_problems] = problems
    opened: list[tuple[BrowserContext, Page]] = []

    def open_page(locale: str = "fr-FR") -> Page:
        context = browser.new_context(viewport=PHONE_VIEWPORT, locale=locale)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        page = context.new_page()
        page.on("console", problems.on_console)
        page.on("pageerror", problems.on_page_error)
        opened.append((context, page))
        return page

    try:
        yield open_page
        if _failed(request.node) or problems.errors:
            ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
            name = _artifact_name(request.node)
            for number, (_context, page) in enumerate(opened, start=1):
                suffix = "" if number == 1 else f"-{number}"
                _save_screenshot(page, ARTIFACTS_DIR / f"{name}{suffix}.png")
        if problems.errors and not problems.reported:
            if _failed(request.node):
                print(problems.report())  # The test failed on its own: add them next to it.
            else:  # Complaints that came after the test's body.
                pytest.fail(problems.report(), pytrace=False)
    finally:
        for context, _page in opened:
            context.close()


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    return new_page()


@pytest.fixture
def english_page(new_page: Callable[..., Page]) -> Page:
    return new_page("en-GB")


def _describe_violations(violations: list[dict[str, Any]], url: str) -> str:
    lines = [f"axe-core found {len(violations)} accessibility violation(s) on {url}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact') or 'unknown impact'}): "
            f"{violation['help']} [{violation.get('helpUrl', '')}]"
        )
        for node in violation.get("nodes", []):
            # One selector per frame; a list within is a path through shadow roots.
            target = " >> ".join(
                " >>> ".join(part) if isinstance(part, list) else str(part)
                for part in node.get("target", [])
            )
            html = " ".join((node.get("html") or "").split())
            lines.append(f"    at {target}: {html[:160]}")
            summary = (node.get("failureSummary") or "").strip().replace("\n", "\n      ")
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Fail if axe-core finds any WCAG 2.0/2.1 level A or AA violation on the page.

    axe-core (the script axe-playwright-python ships) is put into a document once: a page
    that htmx changed in place is checked again without parsing it again."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe.axe_script)
    response = page.evaluate("options => window.axe.run(document, options)", AXE_OPTIONS)
    violations = response["violations"]
    if violations:
        pytest.fail(_describe_violations(violations, page.url), pytrace=False)


def forgive_expected_http_errors(request: pytest.FixtureRequest, *statuses: int) -> None:
    """Forget the console errors Chromium logs for a page that a test expects to answer
    with one of ``statuses`` (a refused sign-in answers 401): call it right after."""
    problems = request.node.stash.get(_console_problems, None)
    if problems is None:
        return
    expected = tuple(f"status of {status} " for status in statuses)
    problems.errors = [error for error in problems.errors if not any(s in error for s in expected)]
