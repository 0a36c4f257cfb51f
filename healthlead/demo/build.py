"""Demo data: real trusts and frameworks, a small synthetic staff, one account per role."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.core.management import call_command
from django.db import transaction
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from healthlead.accounts import actions as account_actions
from healthlead.accounts.models import PRIVILEGED_ROLES, Role, User
from healthlead.core.actors import System
from healthlead.people import actions as people_actions
from healthlead.people.models import CareerStage, Grade, Organisation, Person, Region, StaffGroup

DEMO_PASSWORD = "healthlead-demo-2026"  # noqa: S105 (published demo credential)
DEMO_DOMAIN = "demo.healthlead.nhs.example"
DEMO_TRUST = "RGT"  # Cambridge University Hospitals NHS Foundation Trust
SYSTEM = System("setup_demo")

FIRST_NAMES = [
    "Amara",
    "Ben",
    "Chloe",
    "Dev",
    "Ella",
    "Farah",
    "George",
    "Hana",
    "Isaac",
    "Jade",
    "Kofi",
    "Lucy",
    "Mohammed",
    "Niamh",
    "Oliver",
    "Priya",
    "Qasim",
    "Rosie",
    "Sam",
    "Tariq",
    "Uma",
    "Victor",
    "Wen",
    "Xavier",
    "Yasmin",
    "Zach",
    "Grace",
    "Harry",
    "Aisha",
    "Tom",
]
LAST_NAMES = [
    "Adeyemi",
    "Brown",
    "Chen",
    "Davies",
    "Evans",
    "Fernandes",
    "Green",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Murphy",
    "Nowak",
    "Okafor",
    "Patel",
    "Quinn",
    "Roberts",
    "Singh",
    "Taylor",
    "Usman",
    "Walker",
    "Wright",
    "Young",
    "Zhang",
    "Ahmed",
    "Clarke",
]


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    note: str


def _email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


def demo_loaded() -> bool:
    return User.objects.filter(email=_email("national.lead")).exists()


def _people(org: Organisation, count: int, rng: random.Random, start: int) -> list[Person]:
    """A small management tree: a chief executive, directors, managers, staff."""
    specs = [
        (StaffGroup.SENIOR_MANAGERS, Grade.VSM, CareerStage.EXECUTIVE, "Chief executive"),
        (StaffGroup.NURSES, Grade.BAND_9, CareerStage.EXECUTIVE, "Director of nursing"),
        (StaffGroup.DOCTORS, Grade.CONSULTANT, CareerStage.EXECUTIVE, "Medical director"),
        (StaffGroup.MANAGERS, Grade.BAND_8C, CareerStage.SENIOR, "Divisional director"),
    ]
    staff_mix = [
        (StaffGroup.NURSES, [Grade.BAND_5, Grade.BAND_6, Grade.BAND_7], "Staff nurse"),
        (StaffGroup.DOCTORS, [Grade.FY1, Grade.FY2, Grade.ST3, Grade.CONSULTANT], "Doctor"),
        (StaffGroup.MIDWIVES, [Grade.BAND_5, Grade.BAND_6, Grade.BAND_7], "Midwife"),
        (StaffGroup.SCIENTIFIC, [Grade.BAND_5, Grade.BAND_6, Grade.BAND_7], "Physiotherapist"),
        (StaffGroup.SUPPORT_CLINICAL, [Grade.BAND_2, Grade.BAND_3], "Healthcare assistant"),
        (StaffGroup.CENTRAL, [Grade.BAND_3, Grade.BAND_4, Grade.BAND_6], "Administrator"),
        (StaffGroup.MANAGERS, [Grade.BAND_7, Grade.BAND_8A], "Service manager"),
    ]
    people: list[Person] = []
    number = start
    managers: list[Person] = []
    for index in range(count):
        number += 1
        if index < len(specs):
            group, grade, stage, occupation = specs[index]
        else:
            group, grades, occupation = rng.choice(staff_mix)
            grade = rng.choice(grades)
            stage = (
                CareerStage.EARLY_CAREER
                if grade in {Grade.FY1, Grade.FY2, Grade.BAND_2, Grade.BAND_3, Grade.BAND_5}
                else CareerStage.REGISTRAR
                if grade == Grade.ST3
                else CareerStage.ESTABLISHED
            )
        manager = None
        if index == 0:
            manager = None
        elif index < len(specs):
            manager = people[0]
        else:
            manager = rng.choice(managers)
        person = people_actions.create_person(
            by=SYSTEM,
            staff_number=f"{number:07d}",
            first_name=rng.choice(FIRST_NAMES),
            last_name=rng.choice(LAST_NAMES),
            work_email=f"staff{number}@{DEMO_DOMAIN}",
            organisation=org,
            staff_group=group,
            occupation=occupation,
            grade=grade,
            career_stage=stage,
            line_manager=manager,
            start_date=dt.date(2010, 1, 1) + dt.timedelta(days=rng.randrange(5000)),
        )
        people.append(person)
        if index < 12:
            managers.append(person)
    return people


@transaction.atomic
def load_demo() -> str:
    """Load everything the demo needs. Returns a one-paragraph summary."""
    people_actions.load_regions(by=SYSTEM)
    people_actions.load_ods_trusts(by=SYSTEM)
    call_command("load_frameworks", verbosity=0)
    rng = random.Random(2012)  # noqa: S311 (demo data, not security)
    trust = Organisation.objects.get(code=DEMO_TRUST)
    other_trust = Organisation.objects.exclude(region=trust.region).order_by("code").first()
    staff = _people(trust, 120, rng, 1000000)
    if other_trust is not None:
        _people(other_trust, 40, rng, 2000000)
    nurse = next(p for p in staff[12:] if p.staff_group == StaffGroup.NURSES)
    manager = nurse.line_manager
    assert manager is not None

    def account(
        local: str, person: Person | None = None, first_name: str = "", last_name: str = ""
    ) -> User:
        return account_actions.create_user(
            email=_email(local),
            password=DEMO_PASSWORD,
            by=SYSTEM,
            person=person,
            first_name=first_name,
            last_name=last_name,
        )

    account("staff", nurse)
    account("manager", manager)
    org_lead = account("org.lead", staff[3])
    account_actions.assign_role(
        user=org_lead, role=Role.ORGANISATION_LEAD, organisation=trust, by=SYSTEM
    )
    regional = account("regional.lead", first_name="Rhiannon", last_name="Ellis")
    account_actions.assign_role(
        user=regional, role=Role.REGIONAL_LEAD, region=trust.region, by=SYSTEM
    )
    national = account("national.lead", first_name="Nadia", last_name="Hussain")
    account_actions.assign_role(user=national, role=Role.NATIONAL_LEAD, by=SYSTEM)
    provider = account("provider", first_name="Paul", last_name="Grant")
    provider_org = people_actions.create_organisation(
        code="PRV01",
        name="Leadership Academy Provider",
        kind=Organisation.Kind.PROVIDER,
        by=SYSTEM,
        region=trust.region,
    )
    account_actions.assign_role(
        user=provider, role=Role.PROVIDER, organisation=provider_org, by=SYSTEM
    )
    partner_record = people_actions.create_partner(
        by=SYSTEM,
        consent=True,
        first_name="Pat",
        last_name="Morgan",
        email=_email("partner"),
        region=trust.region,
        interests=["panels", "feedback", "co-design"],
    )
    partner = account_actions.create_user(
        email=_email("partner"),
        password=DEMO_PASSWORD,
        by=SYSTEM,
        partner=partner_record,
        first_name="Pat",
        last_name="Morgan",
    )
    account_actions.assign_role(user=partner, role=Role.PATIENT_PARTNER, by=SYSTEM)
    used = {nurse.pk, manager.pk, staff[3].pk}
    spare = [p for p in staff[:12] if p.pk not in used]
    mentor = account("mentor", spare[0])
    account_actions.assign_role(user=mentor, role=Role.MENTOR, by=SYSTEM)
    facilitator = account("facilitator", spare[1])
    account_actions.assign_role(user=facilitator, role=Role.FACILITATOR, by=SYSTEM)
    for user in (org_lead, regional, national, provider, facilitator):
        device = account_actions.pending_totp_device(user=user)
        account_actions.confirm_totp_device(device=device, by=SYSTEM)
    regions = Region.objects.filter(region_set__code="nhse-2020").count()
    return (
        f"Loaded {regions} regions, {Organisation.objects.count()} organisations and "
        f"{Person.objects.count()} staff records."
    )


ACCOUNTS = [
    DemoAccount(Role.STAFF.label, _email("staff"), "a staff nurse"),
    DemoAccount(Role.LINE_MANAGER.label, _email("manager"), "the nurse's line manager"),
    DemoAccount(Role.ORGANISATION_LEAD.label, _email("org.lead"), "Cambridge University Hospitals"),
    DemoAccount(Role.REGIONAL_LEAD.label, _email("regional.lead"), "East of England"),
    DemoAccount(Role.NATIONAL_LEAD.label, _email("national.lead"), "all of England"),
    DemoAccount(Role.PROVIDER.label, _email("provider"), "a training provider"),
    DemoAccount(Role.PATIENT_PARTNER.label, _email("partner"), "a patient partner"),
    DemoAccount(Role.MENTOR.label, _email("mentor"), "a mentor"),
    DemoAccount(Role.FACILITATOR.label, _email("facilitator"), "a 360 facilitator"),
]


def sign_in_table() -> str:
    width = max(len(a.email) for a in ACCOUNTS)
    lines = [
        "",
        f"Demo sign-ins (password for all: {DEMO_PASSWORD}):",
    ]
    for demo in ACCOUNTS:
        lines.append(f"  {demo.email:<{width}}  {demo.role} ({demo.note})")
    privileged = ", ".join(sorted(r.label.lower() for r in PRIVILEGED_ROLES))
    lines.append(
        f"Leads, providers and facilitators ({privileged}) also enter a 6-digit code: "
        "get it with `.venv/bin/python manage.py demo_code EMAIL`."
    )
    return "\n".join(lines)


def current_demo_code(email: str) -> str | None:
    if not email.endswith("@" + DEMO_DOMAIN):
        return None
    device = TOTPDevice.objects.filter(user__email=email, confirmed=True).first()
    if device is None:
        return None
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"
