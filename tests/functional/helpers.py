"""Helpers for browser tests: accessibility checks, signing in, one-time codes."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

# WCAG 2.0, 2.1 and 2.2 at levels A and AA: the standard the public sector must meet.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
# The NHS.UK header is NHS blue only when the design system's CSS has loaded.
NHS_BLUE = "rgb(0, 94, 184)"
PASSWORD = "correct-horse-battery-staple"

_axe = Axe()
_screenshots_taken: dict[str, int] = {}


def describe_violations(url: str, violations: list[dict[str, Any]]) -> str:
    """A readable list: rule, impact, what to fix, and each offending element."""
    lines = [f"{len(violations)} accessibility violation(s) on {url}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact') or 'no impact given'}): "
            f"{violation['help']} [{violation['helpUrl']}]"
        )
        for node in violation["nodes"]:
            target = ", ".join(str(t) for t in node["target"])
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    at {target}: {summary}")
            lines.append(f"      {node['html'][:200]}")
    return "\n".join(lines)


def assert_styled(page: Page) -> None:
    """The design system's CSS is applied (missing CSS gives false axe results).

    A page reached by a click can show its heading while its stylesheet is still on the
    way, so wait for the page's load event (stylesheets included) and then let the header
    turn NHS blue within the usual expect timeout; CSS that never arrives still fails."""
    page.wait_for_load_state("load")
    header = page.locator(".nhsuk-header").first
    try:
        expect(header).to_have_css("background-color", NHS_BLUE)
    except AssertionError:
        background = header.evaluate("element => getComputedStyle(element).backgroundColor")
        raise AssertionError(f"NHS.UK CSS is not applied on {page.url} ({background})") from None


def save_screenshot(page: Page) -> None:
    """With SCREENSHOT_DIR set, keep a full-page PNG of every page that is checked."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if not folder:
        return
    test = os.environ.get("PYTEST_CURRENT_TEST", "page").split("::")[-1].split(" ")[0]
    _screenshots_taken[test] = number = _screenshots_taken.get(test, 0) + 1
    width = page.viewport_size["width"] if page.viewport_size else 0
    where = page.url.split("/", 3)[-1].split("?")[0]
    stem = re.sub(r"[^a-z0-9]+", "-", f"{test}-{number:02d}-{width}-{where}".lower())
    path = Path(folder) / f"{stem.strip('-')[:120]}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path, full_page=True)


def assert_accessible(page: Page) -> None:
    """Run axe-core on the page as it is now; fail with every WCAG 2.2 A/AA violation."""
    assert_styled(page)
    save_screenshot(page)
    results = _axe.run(page, options=AXE_OPTIONS)
    violations = results.response["violations"]
    if violations:
        pytest.fail(describe_violations(page.url, violations), pytrace=False)


def current_code(user: Any) -> str:
    """The code an authenticator app would show now for the user's device.

    Uses the next time step when this step's code was already used (codes work once).
    """
    device = TOTPDevice.objects.filter(user=user).order_by(
        "-confirmed", "-pk"
    ).first() or pytest.fail(f"{user.email} has no authenticator device")
    step_now = (int(time.time()) - device.t0) // device.step
    drift = max(0, device.last_t + 1 - step_now)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift)
    return f"{code:0{device.digits}d}"


def fill_sign_in_form(page: Page, email: str, password: str) -> None:
    page.goto("/accounts/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def enter_code(page: Page, user: Any) -> None:
    page.get_by_label("Code from your authenticator app").fill(current_code(user))
    page.get_by_role("button", name="Continue").click()


def sign_in(page: Page, user: Any, password: str = PASSWORD) -> None:
    """Sign in through the form, and pass the second factor if the user's role needs it."""
    fill_sign_in_form(page, user.email, password)
    expect(page).not_to_have_url(re.compile(r"/accounts/sign-in/"))
    if "/accounts/two-factor/" in page.url:
        enter_code(page, user)
        expect(page).not_to_have_url(re.compile(r"/accounts/two-factor/"))
