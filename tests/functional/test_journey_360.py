"""360 feedback in a real browser, with axe on every page on the way.

Niamh, a staff nurse, asks for 360 feedback on the Healthcare Leadership Model with a
facilitator. She invites four colleagues and her line manager by email, prints three patient
cards and launches the cycle. Each colleague answers from the link in their email; the patients
answer on a phone, one typing the code from the card and two from its QR code link. Niamh
closes the cycle; the facilitator reads the report first and records the debrief, which
releases it. Niamh is emailed, reads the report and makes a development-plan goal from it.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from healthlead.accounts.models import Role
from healthlead.people.models import Grade
from tests.conftest import make_person
from tests.functional.conftest import make_account
from tests.functional.helpers import assert_accessible, sign_in

COLLEAGUES = [
    ("Peers", "Amira Haddad", "amira.haddad@nhs.example"),
    ("Peers", "Ben Carter", "ben.carter@nhs.example"),
    ("Peers", "Chloe Evans", "chloe.evans@nhs.example"),
    ("Other colleagues", "Dev Patel", "dev.patel@nhs.example"),
    ("Line manager", "Priya Iqbal", "priya.iqbal@nhs.example"),
]
PRINTED_CODE = re.compile(r"^[A-Z0-9]{4} [A-Z0-9]{4}$")


# Reading what the server sent: emails and the cards PDF ---------------------------------


def emailed_link(address: str, path_prefix: str) -> str:
    """The path of the link in the latest email to `address` (as a rater would follow it)."""
    sent = [m for m in mail.outbox if address in m.to]
    assert sent, f"No email was sent to {address}"
    message = sent[-1]
    html = {kind: body for body, kind in message.alternatives}.get("text/html", "")
    links = re.findall(r"https?://[^\s\"<>]+", message.body)
    assert links, f"The email to {address} has no link"
    path = "/" + links[0].split("/", 3)[3]
    assert path.startswith(path_prefix), path
    assert path.replace("&", "&amp;") in html or path in html, "The HTML part has another link"
    return path


def _ref(body: bytes, key: bytes) -> int | None:
    found = re.search(rb"/" + key + rb"\s+(\d+) 0 R", body)
    return int(found[1]) if found else None


def _cmap(stream: bytes) -> dict[str, str]:
    """A font's ToUnicode map: glyph code (4 hex digits) to text."""
    text = stream.decode("latin-1")
    table: dict[str, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for code, uni in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            table[code.lower()] = bytes.fromhex(uni).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for low, high, uni in re.findall(
            r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block
        ):
            for offset in range(int(high, 16) - int(low, 16) + 1):
                table[f"{int(low, 16) + offset:0{len(low)}x}"] = chr(int(uni, 16) + offset)
    return table


def pdf_text_runs(data: bytes) -> list[str]:
    """The text runs of a PDF written by WeasyPrint, page by page: what a reader would see.

    Enough of PDF for WeasyPrint's output: object streams, Flate streams, Type 0 fonts with
    ToUnicode maps, and TJ/Tj text operators.
    """
    objects: dict[int, bytes] = {}
    streams: dict[int, bytes] = {}
    for found in re.finditer(rb"(\d+) 0 obj", data):
        number, start = int(found[1]), found.end()
        head = re.match(rb"\s*(<<.*?>>)\s*stream\r?\n", data[start:], re.S)
        length = re.search(rb"/Length (\d+)", head[1]) if head else None
        if head is None or length is None:
            objects[number] = data[start : data.index(b"endobj", start)]
            continue
        raw = data[start + head.end() : start + head.end() + int(length[1])]
        if b"/FlateDecode" in head[1]:
            raw = zlib.decompress(raw)
        objects[number], streams[number] = head[1], raw
        first = re.search(rb"/First (\d+)", head[1])
        if b"/ObjStm" in head[1] and first:
            numbers = [int(n) for n in raw[: int(first[1])].split()]
            pairs = list(zip(numbers[::2], numbers[1::2], strict=True))
            for index, (inner, offset) in enumerate(pairs):
                end = pairs[index + 1][1] if index + 1 < len(pairs) else len(raw)
                objects[inner] = raw[int(first[1]) + offset : int(first[1]) + end]
    runs: list[str] = []
    for number in sorted(objects):
        body = objects[number]
        if not re.search(rb"/Type\s*/Page\b(?!s)", body):
            continue
        resources = objects[_ref(body, b"Resources") or 0]
        font_ref = _ref(resources, b"Font")
        fonts: dict[str, dict[str, str]] = {}
        for name, ref in re.findall(rb"/([\w.+-]+)\s+(\d+) 0 R", objects[font_ref or 0]):
            to_unicode = _ref(objects.get(int(ref), b""), b"ToUnicode")
            if to_unicode is not None:
                fonts[name.decode()] = _cmap(streams[to_unicode])
        content = streams[_ref(body, b"Contents") or 0].decode("latin-1")
        table: dict[str, str] = {}
        operators = r"/([\w.+-]+)\s+[\d.]+\s+Tf|\[(.*?)\]\s*TJ|<([0-9a-fA-F]*)>\s*Tj"
        for token in re.finditer(operators, content, re.S):
            if token[1]:
                table = fonts.get(token[1], {})
                continue
            hexes = "".join(re.findall(r"<([0-9a-fA-F]*)>", token[2])) if token[2] else token[3]
            runs.append(
                "".join(table.get(hexes[i : i + 4].lower(), "") for i in range(0, len(hexes), 4))
            )
    return runs


@pytest.fixture(autouse=True)
def _rater_groups(transactional_db: Any) -> None:
    """The rater groups are seeded by a migration; a browser test before this one in the same
    process empties every table when it ends, seeded rows included, so seed them again."""
    from django.apps import apps

    seed = importlib.import_module("healthlead.feedback.migrations.0002_seed_rater_groups").seed
    seed(apps, None)


# Pages ---------------------------------------------------------------------------------


def heading(page: Page, text: str | re.Pattern[str]) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)
    assert_accessible(page)


def sign_out(page: Page) -> None:
    page.goto("/accounts/sign-out/")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/"))


def answer_every_section(
    page: Page, *, rating: str, importance: str, comment: str = "", check: bool = True
) -> int:
    """From a rater's start page, answer each section in turn and send. Sections answered.

    `check`: run axe on each section page (the first rater of each kind does; later raters
    see the same pages with the same markup)."""
    page.get_by_role("link", name="Start").click()
    sections = 0
    while "/sections/" in page.url:
        sections += 1
        expect(page.locator(".nhsuk-caption-l")).to_contain_text(f"Section {sections} of")
        if check:
            assert_accessible(page)
        for group in page.locator("fieldset").all():
            legend = group.locator("legend").inner_text()
            choice = importance if legend.startswith("How important") else rating
            group.get_by_role("radio", name=choice, exact=True).check()
        if comment and page.get_by_label(re.compile("do well here")).count():
            page.get_by_label(re.compile("do well here")).fill(comment)
        page.get_by_role("button", name="Save and continue").click()
    heading(page, re.compile("Check"))
    page.get_by_role("button", name="Send").click()
    heading(page, "Thank you")
    return sections


@pytest.fixture
def facilitator_user(organisation: Any) -> Any:
    """A leadership development facilitator (a privileged role: sign-in asks for a code)."""
    person = make_person(
        organisation,
        first_name="Sam",
        last_name="Okoye",
        occupation="Leadership development facilitator",
        grade=Grade.BAND_8A,
    )
    return make_account("sam.okoye@nhs.example", person, roles=((Role.FACILITATOR, None),))


def test_a_nurse_gets_360_feedback_from_colleagues_and_patients_and_makes_a_goal(
    page: Page,
    phone_page: Page,
    staff_user: Any,
    facilitator_user: Any,
    frameworks: None,
    tmp_path: Path,
) -> None:
    nurse = staff_user
    # Niamh asks for 360 feedback with a facilitator.
    sign_in(page, nurse)
    page.goto("/feedback/")
    heading(page, "360 feedback and self-assessment")
    page.get_by_role("link", name="Ask for 360 feedback").click()
    heading(page, "Start a 360 feedback cycle")
    page.get_by_role("radio", name=re.compile("^Healthcare Leadership Model")).check()
    deadline = timezone.localdate() + dt.timedelta(days=21)
    page.get_by_label("Day").fill(str(deadline.day))
    page.get_by_label("Month").fill(str(deadline.month))
    page.get_by_label("Year").fill(str(deadline.year))
    page.get_by_label("Facilitator (optional)").select_option(label="Sam Okoye")
    page.get_by_role("button", name="Continue").click()
    heading(page, "Niamh Okafor")
    expect(page.locator("main")).to_contain_text("Now invite your raters")
    cycle_url = page.url
    cycle_path = "/" + cycle_url.split("/", 3)[3]

    # Four colleagues and her line manager, invited by email a group at a time.
    for group in ("Peers", "Other colleagues", "Line manager"):
        page.get_by_role("link", name="Invite colleagues by email").click()
        heading(page, "Invite raters")
        page.get_by_role("radio", name=group, exact=True).check()
        people = [f"{name}, {email}" for g, name, email in COLLEAGUES if g == group]
        page.get_by_label("Names and email addresses, one person per line").fill("\n".join(people))
        page.get_by_role("button", name="Invite").click()
        heading(page, "Niamh Okafor")
        expect(page.locator("main")).to_contain_text("They will be emailed when you launch")
    invited = page.get_by_role("table", name="People you have invited")
    expect(invited.locator("tbody tr")).to_have_count(len(COLLEAGUES))
    assert not mail.outbox, "Nobody is emailed before the cycle is launched"

    # Three patient cards, printed as a PDF: the codes are only on the cards.
    page.get_by_role("link", name="Print feedback cards for patients and carers").click()
    heading(page, "Print feedback cards for patients and carers")
    page.get_by_label("How many cards do you want to print?").fill("3")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the cards (PDF)").click()
    cards_pdf = tmp_path / "cards.pdf"
    download.value.save_as(cards_pdf)
    assert cards_pdf.read_bytes().startswith(b"%PDF")
    codes = [run for run in pdf_text_runs(cards_pdf.read_bytes()) if PRINTED_CODE.match(run)]
    assert len(set(codes)) == 3, codes
    page.goto(cycle_url)
    expect(page.locator("main")).to_contain_text("(3 printed so far)")

    # Launch: every invited colleague gets an email with their own link.
    page.get_by_role("link", name="Launch and email raters").click()
    heading(page, "Launch your 360 cycle")
    page.get_by_role("button", name="Launch and email raters").click()
    heading(page, "Niamh Okafor")
    expect(page.locator("main")).to_contain_text("Your 360 cycle is open")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(e for _, _, e in COLLEAGUES)
    sign_out(page)

    # Each colleague follows the link in their email and answers every section.
    sections = 0
    for n, (group, _name, email) in enumerate(COLLEAGUES):
        page.goto(emailed_link(email, "/feedback/respond/"))
        heading(page, "Feedback for Niamh Okafor")
        role = "their line manager" if group == "Line manager" else f"one of their {group.lower()}"
        expect(page.locator("main")).to_contain_text(f"asked you, as {role},")
        sections = answer_every_section(
            page,
            rating="Very often",
            importance="Essential",
            comment="Stays calm and explains things clearly.",
            check=n == 0,
        )
    assert sections == 9  # the Healthcare Leadership Model's nine dimensions

    # Patients answer on a phone: one types the code from the card ...
    phone = phone_page
    phone.goto("/feedback/card/")
    heading(phone, "Give feedback with your card")
    phone.get_by_label("Enter the code from your card").fill(codes[0].lower())
    phone.get_by_role("button", name="Continue").click()
    heading(phone, "Tell us about Niamh Okafor")
    answer_every_section(phone, rating="Always", importance="Very important")
    # ... and two open the card's QR code link, which fills the code in.
    for code in codes[1:]:
        phone.goto(f"/feedback/card/?code={code.replace(' ', '')}")
        heading(phone, "Give feedback with your card")
        phone.get_by_role("button", name="Continue").click()
        heading(phone, "Tell us about Niamh Okafor")
        answer_every_section(phone, rating="Often", importance="Important", check=False)
    # A used card says so, plainly.
    phone.goto("/feedback/card/")
    phone.get_by_label("Enter the code from your card").fill(codes[0])
    phone.get_by_role("button", name="Continue").click()
    expect(phone.locator("main")).to_contain_text("This code has already been used")
    assert_accessible(phone)

    # Niamh sees each group's minimum reached, never who answered, and closes the cycle.
    sign_in(page, nurse)
    page.goto(cycle_url)
    heading(page, "Niamh Okafor")
    rows = page.locator(".nhsuk-summary-list__row")
    for group, status in [
        ("Line manager", "Minimum reached"),
        ("Peers", "Minimum reached"),
        ("Other colleagues", "Not yet reached"),  # one of the three needed
        ("Patients and carers", "Minimum reached"),
        ("All others", "Minimum reached"),
    ]:
        expect(rows.filter(has=page.get_by_text(group, exact=True))).to_contain_text(status)
    page.get_by_role("link", name="Close this cycle now").click()
    heading(page, "Close this cycle now?")
    outbox_before_close = len(mail.outbox)
    page.get_by_role("button", name="Close the cycle").click()
    heading(page, "Niamh Okafor")
    expect(page.locator("main")).to_contain_text("The cycle is closed")
    # The facilitator sees the report first; Niamh cannot open it yet.
    page.goto(cycle_url + "report/")
    expect(page.get_by_role("heading", level=1)).not_to_have_text(re.compile("360 feedback report"))
    sign_out(page)
    ready = mail.outbox[outbox_before_close:]
    assert [m.to for m in ready] == [[facilitator_user.email]]

    # The facilitator follows the email, reads the report and records the debrief.
    sign_in(page, facilitator_user)
    page.goto(emailed_link(facilitator_user.email, "/feedback/cycles/"))
    heading(page, "Niamh Okafor")
    page.get_by_role("link", name="See the report").click()
    heading(page, re.compile("Niamh Okafor"))
    expect(page.locator("main")).to_contain_text("Not yet released")
    page.get_by_role("button", name="Record the debrief and release the report").click()
    heading(page, re.compile("debrief", re.I))
    today = timezone.localdate()
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_role("button", name="Record debrief and release report").click()
    heading(page, re.compile("Niamh Okafor"))
    expect(page.locator("main")).not_to_contain_text("Not yet released")
    sign_out(page)

    # Niamh is emailed (text and HTML) that her report is released.
    released = [m for m in mail.outbox if nurse.email in m.to]
    assert len(released) == 1
    assert "Your 360 feedback report is ready" in released[0].subject
    assert [kind for _, kind in released[0].alternatives] == ["text/html"]

    # She reads it and makes a development-plan goal from one of its elements.
    sign_in(page, nurse)
    page.goto(emailed_link(nurse.email, f"{cycle_path}report/"))
    heading(page, re.compile("Niamh Okafor"))
    main = page.locator("main")
    expect(main).to_contain_text(f"Report frozen on{timezone.localdate():%-d %B %Y}")
    expect(main).to_contain_text("Peers")
    expect(main).to_contain_text("Patients and carers")
    expect(main).not_to_contain_text("Amira Haddad")
    goal_link = page.get_by_role("link", name=re.compile("^Create a development goal for")).first
    element = goal_link.inner_text().removeprefix("Create a development goal for ").strip()
    goal_link.click()
    heading(page, "Add a goal")
    expect(page.get_by_label("Framework element it develops")).to_have_value(re.compile(r"\d+"))
    page.get_by_label("Goal", exact=True).fill(f"Grow in {element.lower()} with my team")
    page.get_by_role("button", name=re.compile("Add|Save")).click()
    heading(page, "Your development plan")
    expect(main).to_contain_text("Goal added to your development plan.")
    expect(main).to_contain_text(f"Grow in {element.lower()} with my team")
