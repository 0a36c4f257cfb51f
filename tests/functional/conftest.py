"""Browser tests: one headless Chromium per test process, a fresh browser context per test.

Chromium comes from CHROMIUM_PATH or /usr/bin/chromium (Debian's package). Without it the
browser tests are skipped on a developer's machine and fail when CI is set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.urls import get_resolver
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from healthlead.accounts import actions as account_actions
from healthlead.accounts.models import Role
from healthlead.accounts.scope import build_scope
from healthlead.frameworks import actions as framework_actions
from healthlead.people import actions as people_actions
from healthlead.people.models import Grade, Organisation
from tests.conftest import SYSTEM, make_person
from tests.functional.helpers import PASSWORD

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Pages must work offline: the only host the browser can reach is the test server.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 667}
# Generous, for a busy CI machine: a passing test never waits this long.
TIMEOUT_MS = 20_000
expect.set_options(timeout=TIMEOUT_MS)
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-results"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test, so fixtures can tell that it failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    path = chromium_path()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        message = (
            f"Chromium was not found at {path}. Install Debian's chromium package "
            "or set CHROMIUM_PATH."
        )
        if os.environ.get("CI"):
            pytest.fail(f"{message} CI is set, so browser tests may not be skipped.")
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageProblems:
    """Script errors and Content Security Policy refusals seen while a test ran."""

    def __init__(self, page: Page) -> None:
        self.messages: list[str] = []
        page.on("pageerror", lambda error: self.messages.append(f"script error: {error}"))
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.messages.append(f"CSP: {message.text}")


def _save_evidence(request: pytest.FixtureRequest, page: Page) -> None:
    """A screenshot and the HTML of a failed test's page, in var/test-results/."""
    report = getattr(request.node, "report_call", None)
    if report is None or not report.failed:
        return
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=folder / "page.png", full_page=True)
        (folder / "page.html").write_text(page.content())
    except Exception as error:  # the page may have crashed; the test failure says why
        (folder / "error.txt").write_text(str(error))


@cache
def _import_url_modules() -> None:
    """Import every URL module before the first page: a cold start can take seconds."""
    get_resolver().url_patterns  # noqa: B018 (the import is the point)


def _open_page(
    request: pytest.FixtureRequest, browser: Browser, live_server: Any, viewport: dict[str, int]
) -> Iterator[Page]:
    _import_url_modules()
    context: BrowserContext = browser.new_context(
        base_url=live_server.url, viewport=viewport, locale="en-GB", timezone_id="Europe/London"
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems = PageProblems(page)
    yield page
    _save_evidence(request, page)
    context.close()
    assert not problems.messages, "\n".join(problems.messages)


@pytest.fixture
def page(request: pytest.FixtureRequest, browser: Browser, live_server: Any) -> Iterator[Page]:
    """A desktop-sized page in a fresh context (no cookies) against the live server."""
    yield from _open_page(request, browser, live_server, DESKTOP)


@pytest.fixture
def phone_page(
    request: pytest.FixtureRequest, browser: Browser, live_server: Any
) -> Iterator[Page]:
    """A phone-sized page (375 x 667)."""
    yield from _open_page(request, browser, live_server, PHONE)


def make_account(email: str, person: Any, roles: tuple[tuple[Role, Any], ...] = ()) -> Any:
    """A user with a known password; privileged users get a confirmed authenticator."""
    user = account_actions.create_user(email=email, password=PASSWORD, by=SYSTEM, person=person)
    for role, organisation in roles:
        account_actions.assign_role(user=user, role=role, organisation=organisation, by=SYSTEM)
    if build_scope(user).is_privileged:
        device = account_actions.pending_totp_device(user=user)
        account_actions.confirm_totp_device(device=device, by=SYSTEM)
    return user


@pytest.fixture
def frameworks() -> None:
    """The shipped competency frameworks, loaded as load_frameworks does."""
    framework_actions.load_frameworks(by=SYSTEM)


@pytest.fixture
def organisation() -> Any:
    return people_actions.create_organisation(
        code="RGT",
        name="CAMBRIDGE UNIVERSITY HOSPITALS NHS FOUNDATION TRUST",
        kind=Organisation.Kind.TRUST,
        by=SYSTEM,
    )


@pytest.fixture
def staff_user(organisation: Any) -> Any:
    """A staff nurse with an account and no other roles."""
    person = make_person(
        organisation, first_name="Niamh", last_name="Okafor", staff_number="1000101"
    )
    return make_account("niamh.okafor@nhs.example", person)


@pytest.fixture
def line_manager_user(organisation: Any) -> Any:
    """A ward manager with two people reporting to them."""
    manager = make_person(
        organisation,
        first_name="Priya",
        last_name="Iqbal",
        staff_number="1000201",
        occupation="Ward manager",
        grade=Grade.BAND_7,
    )
    for number, (first, last) in enumerate([("Tom", "Walker"), ("Wen", "Zhang")], start=202):
        make_person(
            organisation,
            first_name=first,
            last_name=last,
            staff_number=f"1000{number}",
            line_manager=manager,
        )
    return make_account("priya.iqbal@nhs.example", manager)


@pytest.fixture
def organisation_lead(organisation: Any) -> Any:
    """The organisation's education lead: a privileged role, so sign-in asks for a code."""
    person = make_person(
        organisation,
        first_name="Grace",
        last_name="Hughes",
        staff_number="1000301",
        occupation="Head of education",
        grade=Grade.BAND_8B,
    )
    return make_account(
        "grace.hughes@nhs.example", person, roles=((Role.ORGANISATION_LEAD, organisation),)
    )


@pytest.fixture
def new_organisation_lead(organisation: Any) -> Any:
    """An organisation lead who has not set up an authenticator app yet."""
    person = make_person(organisation, first_name="Isaac", last_name="Brown", grade=Grade.BAND_8A)
    user = account_actions.create_user(
        email="isaac.brown@nhs.example", password=PASSWORD, by=SYSTEM, person=person
    )
    account_actions.assign_role(
        user=user, role=Role.ORGANISATION_LEAD, organisation=organisation, by=SYSTEM
    )
    return user
