"""Healthlead under load: a realistic mix of users on a region's data (docs/loadtest.md).

Run by `make loadtest` (loadtest/run.py) against gunicorn and PostgreSQL on loopback, with the
accounts file that `manage.py prepare_loadtest` writes (LOADTEST_USERS, default
var/loadtest/users.json). Each simulated user signs in once, as a person of their kind, then
repeats what that person does, with 1 to 3 seconds of thought between pages.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import random
import re
import struct
import time
from pathlib import Path
from typing import Any

import gevent
from locust import HttpUser, between, events, task
from locust.env import Environment

USERS = json.loads(
    Path(os.environ.get("LOADTEST_USERS", "var/loadtest/users.json")).read_text(encoding="utf-8")
)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
RADIO = re.compile(r'<input[^>]*type="radio"[^>]*>')
SECTION_LINK = re.compile(r'href="(/feedback/respond/[^"/]+/sections/\d+/)"')
ATTRIBUTE = re.compile(r'(name|value)="([^"]*)"')
CARD_CODES = iter(USERS["card_codes"])
MAX_REQUESTS = int(os.environ.get("LOADTEST_MAX_REQUESTS", "20000"))
_counters: dict[str, itertools.count[int]] = {}
_requests = itertools.count(1)
_environment: list[Environment] = []


@events.init.add_listener
def _remember(environment: Environment, **_: Any) -> None:
    _environment.append(environment)


@events.request.add_listener
def _bound(**_: Any) -> None:
    """Stop the whole run after MAX_REQUESTS requests, whatever the time left."""
    if next(_requests) == MAX_REQUESTS and _environment and _environment[0].runner:
        gevent.spawn(_environment[0].runner.quit)


def one_time_code(hex_key: str, at: float | None = None) -> str:
    """RFC 6238 TOTP (SHA-1, 30 s, 6 digits), as authenticator apps and django-otp compute it."""
    counter = int((at if at is not None else time.time()) // 30)
    digest = hmac.new(bytes.fromhex(hex_key), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def next_of(kind: str, accounts: list[Any]) -> Any:
    counter = _counters.setdefault(kind, itertools.count())
    return accounts[next(counter) % len(accounts)]


def csrf_token(html: str) -> str:
    found = CSRF.search(html)
    if found is None:
        raise AssertionError("No CSRF token on the page")
    return found.group(1)


def radio_answers(html: str, rng: random.Random) -> dict[str, str]:
    """One choice for every radio group on a page (a rating or 'not observed' for each item)."""
    choices: dict[str, list[str]] = {}
    for tag in RADIO.findall(html):
        attributes = dict(ATTRIBUTE.findall(tag))
        if "name" in attributes and "value" in attributes:
            choices.setdefault(attributes["name"], []).append(attributes["value"])
    return {name: rng.choice(values) for name, values in choices.items()}


class SignedInUser(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    kind = ""

    def sign_in(self, email: str, totp_key: str | None = None) -> None:
        page = self.client.get("/accounts/sign-in/", name="sign in (form)")
        response = self.client.post(
            "/accounts/sign-in/",
            {
                "username": email,
                "password": USERS["password"],
                "csrfmiddlewaretoken": csrf_token(page.text),
            },
            name="sign in",
        )
        if totp_key is not None:
            response = self.client.post(
                "/accounts/two-factor/",
                {"code": one_time_code(totp_key), "csrfmiddlewaretoken": csrf_token(response.text)},
                name="sign in (one-time code)",
            )
        if "/accounts/sign-in/" in response.url or "/accounts/two-factor/" in response.url:
            raise AssertionError(f"Sign-in failed for {email}: ended on {response.url}")


STATEMENTS = [
    "I lead the ward's handover huddle and have cut missed observations by a third this year.",
    "I coach two new band 5 nurses and want to learn how to lead a team through change.",
    "Patients told us discharge letters were confusing; I rewrote them with our patient panel.",
]


class StaffMember(SignedInUser):
    """Looks at their home page, checks whether they can apply to programmes, and works on their
    draft application to the region's open Mary Seacole intake."""

    weight = 4

    def on_start(self) -> None:
        self.email = next_of("staff", USERS["staff"])
        self.sign_in(self.email)

    @task(3)
    def home(self) -> None:
        self.client.get("/", name="home")

    @task(1)
    def programmes(self) -> None:
        self.client.get("/programmes/", name="programmes")

    @task(1)
    def check_eligibility(self) -> None:
        code = random.choice(USERS["programme_codes"])  # noqa: S311
        self.client.get(f"/programmes/{code}/check/", name="programme eligibility check")

    @task(1)
    def work_on_application(self) -> None:
        application = USERS["applications"][self.email]
        self.client.get(application["application"], name="programme application")
        page = self.client.get(application["statement"], name="programme application: statement")
        self.client.post(
            application["statement"],
            {
                "text": random.choice(STATEMENTS),  # noqa: S311
                "csrfmiddlewaretoken": csrf_token(page.text),
            },
            name="programme application: save statement",
        )


class LineManager(SignedInUser):
    """Searches for people in their team."""

    weight = 2

    def on_start(self) -> None:
        self.account = next_of("managers", USERS["managers"])
        self.sign_in(self.account["email"])

    @task(1)
    def home(self) -> None:
        self.client.get("/", name="home")

    @task(3)
    def search(self) -> None:
        names = self.account["surnames"] or USERS["surnames"]
        name = random.choice(names)  # noqa: S311
        self.client.get("/people/", params={"q": name}, name="people search")


class FeedbackSubject(SignedInUser):
    """Reads their 360 report (30 raters, 60 items)."""

    weight = 1

    def on_start(self) -> None:
        self.account = next_of("subjects", USERS["subjects"])
        self.sign_in(self.account["email"])

    @task
    def report(self) -> None:
        self.client.get(self.account["report"], name="360 report")


class RegionalLead(SignedInUser):
    """Looks at the region's talent grid and searches people in the region."""

    weight = 1

    def on_start(self) -> None:
        account = next_of("regional", USERS["regional_leads"])
        self.sign_in(account["email"], account["totp_key"])

    @task(2)
    def grid(self) -> None:
        self.client.get(f"/talent/regions/{USERS['region']}/grid/", name="talent grid (region)")

    @task(1)
    def search(self) -> None:
        name = random.choice(USERS["surnames"])  # noqa: S311
        self.client.get("/people/", params={"q": name}, name="people search")


class PatientRater(HttpUser):
    """A patient with a feedback card: enters the code, answers every section, sends it."""

    weight = 2
    wait_time = between(1, 3)

    @task
    def give_feedback(self) -> None:
        code = next(CARD_CODES, None)
        if code is None:
            return
        rng = random.Random(code)  # noqa: S311
        page = self.client.get("/feedback/card/", name="card code (form)")
        response = self.client.post(
            "/feedback/card/",
            {"code": code, "csrfmiddlewaretoken": csrf_token(page.text)},
            name="card code",
        )
        first = SECTION_LINK.search(response.text)
        if first is None:
            raise AssertionError(f"No first section on the start page {response.url}")
        response = self.client.get(first.group(1), name="360 rater: section (form)")
        for _ in range(20):  # a section per page, then the check page
            if "/thank-you/" in response.url:
                return
            checking = response.url.rstrip("/").endswith("/check")
            answers = {} if checking else radio_answers(response.text, rng)
            response = self.client.post(
                response.url,
                {**answers, "csrfmiddlewaretoken": csrf_token(response.text)},
                name="360 rater: check and send" if checking else "360 rater: section",
            )
        raise AssertionError(f"The rater form did not finish: stuck at {response.url}")


class ApiClient(HttpUser):
    """An organisation's system reading staff records with its API token."""

    weight = 1
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {USERS['api_token']}"

    @task(3)
    def people(self) -> None:
        name = random.choice(USERS["surnames"])  # noqa: S311
        self.client.get("/api/v1/people/", params={"q": name}, name="API: people")

    @task(1)
    def organisation(self) -> None:
        self.client.get(f"/api/v1/organisations/{USERS['organisation']}/", name="API: organisation")


__all__ = [
    "ApiClient",
    "FeedbackSubject",
    "LineManager",
    "PatientRater",
    "RegionalLead",
    "StaffMember",
    "one_time_code",
]
