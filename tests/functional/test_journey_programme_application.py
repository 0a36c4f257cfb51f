"""A midwife applies to Mary Seacole, her manager endorses it, her employer funds it, the
regional lead closes applications, a panel with a patient partner scores it, places are
allocated, and she accepts her offer. A doctor who has not completed Edward Jenner sees why he
cannot apply. Every page on the way is checked with axe.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from healthlead.accounts import actions as account_actions
from healthlead.accounts.models import Role
from healthlead.accounts.scope import build_scope
from healthlead.people import actions as people_actions
from healthlead.people.models import Grade, Organisation, Region, StaffGroup
from healthlead.programmes import actions as programme_actions
from healthlead.programmes.models import ProgrammeVersion
from healthlead.programmes.tests.helpers import complete, load_curriculum
from tests.conftest import SYSTEM, make_person
from tests.functional.helpers import PASSWORD, assert_accessible, sign_in


def _account(email: str, *, person: Any = None, partner: Any = None, **role: Any) -> Any:
    user = account_actions.create_user(
        email=email,
        password=PASSWORD,
        by=SYSTEM,
        person=person,
        partner=partner,
        first_name=partner.first_name if partner else "",
        last_name=partner.last_name if partner else "",
    )
    if role:
        account_actions.assign_role(user=user, by=SYSTEM, **role)
    if build_scope(user).is_privileged:
        device = account_actions.pending_totp_device(user=user)
        account_actions.confirm_totp_device(device=device, by=SYSTEM)
    return user


@pytest.fixture
def cast(db: Any) -> dict[str, Any]:
    """The curriculum, an open intake in the East of England, and everyone in the journey."""
    people_actions.load_regions(by=SYSTEM)
    region = Region.objects.get(region_set__code="nhse-2020", code="Y61")
    trust = people_actions.create_organisation(
        code="RGT",
        name="CAMBRIDGE UNIVERSITY HOSPITALS NHS FOUNDATION TRUST",
        kind=Organisation.Kind.TRUST,
        region=region,
        by=SYSTEM,
    )
    other = people_actions.create_organisation(
        code="RQ3", name="OTHER NHS TRUST", kind=Organisation.Kind.TRUST, region=region, by=SYSTEM
    )
    load_curriculum()
    manager = make_person(trust, first_name="Priya", last_name="Iqbal", grade=Grade.BAND_7)
    midwife = make_person(
        trust,
        first_name="Rosie",
        last_name="Quinn",
        staff_group=StaffGroup.MIDWIVES,
        occupation="Midwife",
        grade=Grade.BAND_6,
        line_manager=manager,
    )
    complete(midwife, "Edward Jenner", timezone.localdate() - dt.timedelta(days=200))
    doctor = make_person(
        trust,
        first_name="Tom",
        last_name="Walker",
        staff_group=StaffGroup.DOCTORS,
        grade=Grade.ST3,
        line_manager=manager,
    )
    partner_record = people_actions.create_partner(
        by=SYSTEM, consent=True, first_name="Pat", last_name="Morgan", email="pat@example.org"
    )
    today = timezone.localdate()
    version = ProgrammeVersion.objects.get(programme__code="mary-seacole", state="published")
    intake = programme_actions.create_intake(
        version=version,
        name="Mary Seacole, East of England, spring",
        region=region,
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=20),
        places=1,
        budget=5000,
        by=SYSTEM,
    )
    programme_actions.open_intake(intake=intake, by=SYSTEM)
    cast = {
        "intake": intake,
        "midwife": _account("rosie.quinn@nhs.example", person=midwife),
        "manager": _account("priya.iqbal@nhs.example", person=manager),
        "doctor": _account("tom.walker@nhs.example", person=doctor),
        "org_lead": _account(
            "grace.hughes@nhs.example",
            person=make_person(trust, first_name="Grace", last_name="Hughes", grade=Grade.BAND_8B),
            role=Role.ORGANISATION_LEAD,
            organisation=trust,
        ),
        "regional_lead": _account(
            "rhiannon.ellis@nhs.example",
            person=make_person(
                other, first_name="Rhiannon", last_name="Ellis", grade=Grade.BAND_8D
            ),
            role=Role.REGIONAL_LEAD,
            region=region,
        ),
        "panellist": _account(
            "sam.evans@nhs.example",
            person=make_person(other, first_name="Sam", last_name="Evans", grade=Grade.BAND_8A),
        ),
        "partner": _account("pat@example.org", partner=partner_record, role=Role.PATIENT_PARTNER),
    }
    for member in ("panellist", "partner"):
        programme_actions.add_panel_member(intake=intake, user=cast[member], by=SYSTEM)
    return cast


def _switch(page: Page, user: Any) -> None:
    """Sign in as someone else; their home page is checked too."""
    page.context.clear_cookies()
    sign_in(page, user)
    assert_accessible(page)


def _score(page: Page, intake: Any, user: Any, score: str) -> None:
    _switch(page, user)
    page.goto("/panels/")
    assert_accessible(page)
    page.get_by_role("link", name=intake.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Scoring: {intake.name}")
    assert_accessible(page)
    page.get_by_role("link", name="Rosie Quinn").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Score Rosie Quinn's application")
    expect(page.locator("main")).to_contain_text("My statement on")
    assert_accessible(page)
    for group in page.locator("fieldset").all():
        group.get_by_role("radio", name=re.compile(f"^{score}:")).check()
    page.get_by_role("button", name="Send my scores").click()
    expect(page.locator("main")).to_contain_text("Your scores are sent.")
    assert_accessible(page)


def test_a_midwife_applies_is_endorsed_scored_offered_and_accepts(page: Page, cast) -> None:
    intake = cast["intake"]

    # The midwife finds the programme from her home page and checks the gates.
    sign_in(page, cast["midwife"])
    assert_accessible(page)
    page.get_by_role("link", name="Leadership programmes", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Leadership programmes")
    assert_accessible(page)
    page.get_by_role("link", name="Mary Seacole").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mary Seacole")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(f"^Apply.*{intake.name}")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Can you apply to Mary Seacole?")
    expect(page.locator("main")).to_contain_text("You completed Edward Jenner on")
    assert_accessible(page)
    page.get_by_role("button", name="Start your application").click()

    # One thing per page: a statement against each criterion.
    for title in ("Your leadership role now", "What you want to learn", "Values and inclusion"):
        expect(page.get_by_role("heading", level=1)).to_contain_text(title)
        assert_accessible(page)
        page.get_by_role("textbox").fill(f"My statement on {title.lower()}.")
        page.get_by_role("button", name="Continue").click()
    expect(page.locator("main")).to_contain_text("we will email Priya Iqbal")
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("inclusion bursary")
    assert_accessible(page)
    page.get_by_role("radio", name="No").check()
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("Check your answers before sending your application")
    )
    assert_accessible(page)
    page.get_by_role("button", name="Send my application").click()
    expect(page.locator("main")).to_contain_text("Your application has been sent.")
    expect(page.locator("main")).to_contain_text(
        "We have asked your line manager to endorse your application."
    )
    assert_accessible(page)

    # Her manager is emailed and has a task; she reads the application and endorses it.
    manager_email = cast["manager"].person.work_email
    to_manager = [m for m in mail.outbox if manager_email in m.to]
    assert len(to_manager) == 1, [m.to for m in mail.outbox]
    assert "Rosie Quinn has applied to Mary Seacole" in to_manager[0].body
    _switch(page, cast["manager"])
    expect(page.locator("main")).to_contain_text("1 waiting for your answer.")
    page.get_by_role("link", name="Applications to endorse").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Applications to endorse")
    assert_accessible(page)
    page.get_by_role("link", name="Rosie Quinn").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Endorse Rosie Quinn's application")
    assert_accessible(page)
    page.get_by_role("radio", name="Yes, I endorse it").check()
    page.get_by_role("button", name="Send your answer").click()
    expect(page.locator("main")).to_contain_text("Your answer is recorded. Thank you.")
    assert_accessible(page)

    # Her employer's education lead confirms funding.
    _switch(page, cast["org_lead"])
    page.goto("/funding-requests/")
    assert_accessible(page)
    page.get_by_role("link", name="Rosie Quinn").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fund Rosie Quinn's place?")
    assert_accessible(page)
    page.get_by_role("radio", name="Yes, we will fund it").check()
    page.get_by_role("button", name="Send the answer").click()
    expect(page.locator("main")).to_contain_text("Your answer is recorded.")
    assert_accessible(page)

    # The regional lead closes applications: the sift finds her eligible.
    _switch(page, cast["regional_lead"])
    page.get_by_role("link", name="Programme intakes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Intakes")
    assert_accessible(page)
    page.get_by_role("link", name=intake.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(intake.name)
    assert_accessible(page)
    page.get_by_role("button", name="Close applications").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Close applications and check eligibility?"
    )
    assert_accessible(page)
    page.get_by_role("button", name="Close applications").click()
    expect(page.locator("main")).to_contain_text(
        "Applications are closed and eligibility is checked."
    )
    assert_accessible(page)

    # The panel, with a patient partner, scores her application, each on their own.
    _score(page, intake, cast["panellist"], "4")
    expect(page.locator("main")).to_contain_text("Scored")
    _score(page, intake, cast["partner"], "5")
    page.get_by_role("link", name="Rosie Quinn").click()
    expect(page.locator("main")).to_contain_text("Every member")
    assert_accessible(page)

    # Places are allocated, and the ranking explains why.
    _switch(page, cast["regional_lead"])
    page.goto(f"/intakes/{intake.pk}/")
    assert_accessible(page)
    page.get_by_role("button", name="Rank and make offers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Rank the applications and make offers?"
    )
    assert_accessible(page)
    page.get_by_role("button", name="Rank and make offers").click()
    expect(page.locator("main")).to_contain_text("Places are allocated and offers made.")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("See the ranking")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Ranking: {intake.name}")
    expect(page.locator("main")).to_contain_text("Allocated a place: ranked 1 of 1")
    assert_accessible(page)

    # She sees her scores by criterion and accepts the offer.
    _switch(page, cast["midwife"])
    page.goto("/applications/")
    assert_accessible(page)
    page.get_by_role("link", name="Mary Seacole").click()
    expect(page.locator("main")).to_contain_text("Your scores by criterion")
    assert_accessible(page)
    page.get_by_role("link", name="Answer the offer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your place on Mary Seacole")
    assert_accessible(page)
    page.get_by_role("radio", name="Yes, I accept the place").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("main")).to_contain_text("You have accepted your place.")
    expect(page.locator("main")).to_contain_text("Accepted a place")
    assert_accessible(page)


def test_a_doctor_who_fails_a_gate_sees_why(page: Page, cast) -> None:
    sign_in(page, cast["doctor"])
    assert_accessible(page)
    page.goto("/programmes/mary-seacole/")
    assert_accessible(page)
    page.get_by_role("link", name="Check whether you meet the entry gates").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Can you apply to Mary Seacole?")
    expect(page.locator("main")).to_contain_text("You cannot apply yet")
    expect(page.locator("main")).to_contain_text(
        "You have not completed Edward Jenner, and no prior learning of yours is recognised as "
        "equivalent to it."
    )
    assert_accessible(page)
    page.goto(f"/intakes/{cast['intake'].pk}/apply/")
    expect(page.locator("main")).to_contain_text("You cannot apply yet")
    expect(page.get_by_role("button", name="Start your application")).to_have_count(0)
    assert_accessible(page)
