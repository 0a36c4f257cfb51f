"""Accounts and records for the load test (`make loadtest`, docs/loadtest.md).

Run after `synth` on a database kept for load testing. It picks the region with the most
staff, its largest trust and a manager there, and makes for each kind of simulated user a few
accounts of their own (two users signing in to one account in the same 30 seconds would
trip the one-time-code replay check, as it should):

- staff members (home page, programme eligibility checks),
- line managers (people search in their team),
- organisation leads (API with a token of their organisation, people search),
- regional leads (talent grid of the region),
- 360 subjects with a closed cycle of 30 raters x 60 items (the report page),
- patient card codes for an open cycle (the rater form, answered and sent).

Everything goes to a JSON file the locustfile reads. It holds passwords, authenticator keys
and card codes for synthetic accounts only; it is written to var/, which git ignores.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import secrets
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from healthlead.accounts import actions as account_actions
from healthlead.accounts.models import ApiToken, Role, User
from healthlead.core.actors import System
from healthlead.feedback import actions as feedback_actions
from healthlead.feedback.models import FeedbackCycle
from healthlead.people.models import Organisation, Person, Region

SYSTEM = System("prepare_loadtest")
DOMAIN = "loadtest.healthlead.nhs.example"
ACCOUNTS_PER_KIND = 12
CARD_CODES = 2_000
MIN_STAFF = 1_000  # in the busiest trust
REPORTS = 4
APPLICATION_PROGRAMME = "mary-seacole"  # first-line leaders: the tier most staff apply to
PREREQUISITE_PROGRAMME = "Edward Jenner"  # the tier below, which Mary Seacole's entry requires


class LoadTestError(Exception):
    """The database is not ready for a load test; the message says what to run."""


def _free_people(organisation: Organisation) -> Any:
    has_account = User.objects.filter(person=OuterRef("pk"))
    return (
        Person.objects.filter(organisation=organisation, status=Person.Status.ACTIVE)
        .annotate(has_account=Exists(has_account))
        .filter(has_account=False)
    )


def _account(kind: str, n: int, password: str, person: Person | None = None) -> User:
    return account_actions.create_user(
        email=f"{kind}{n}@{DOMAIN}",
        password=password,
        by=SYSTEM,
        person=person,
        first_name="" if person else "Load",
        last_name="" if person else f"Test {kind} {n}",
    )


def _with_authenticator(user: User) -> str:
    device = account_actions.pending_totp_device(user=user)
    account_actions.confirm_totp_device(device=device, by=SYSTEM)
    return str(device.key)


def _report_cycle(subject: User, rng: random.Random) -> FeedbackCycle:
    """A closed cycle of 30 raters x 60 items, as in the report benchmark."""
    from healthlead.feedback.tests.report_helpers import (
        closed_cycle_with_raters,
        make_questionnaire,
    )

    instrument = make_questionnaire(((3,) * 4,) * 5, code=f"LOAD{secrets.token_hex(4).upper()}")
    return closed_cycle_with_raters(instrument, subject, rng, by=SYSTEM)


def _card_codes(subject: User, count: int) -> list[str]:
    from healthlead.feedback.tests.report_helpers import make_questionnaire, open_cycle

    instrument = make_questionnaire(((3, 3), (3, 3)), code=f"LOAD{secrets.token_hex(4).upper()}")
    return _cards_for(open_cycle(instrument, subject_user=subject), count)


def _cards_for(cycle: FeedbackCycle, count: int) -> list[str]:
    codes: list[str] = []
    while len(codes) < count:
        batch = min(feedback_actions.MAX_CARDS_PER_REQUEST, count - len(codes))
        codes += feedback_actions.create_cards(cycle=cycle, count=batch, by=SYSTEM).codes
    return codes


def _region_and_trust() -> tuple[Region, Organisation]:
    busiest = (
        Organisation.objects.filter(kind=Organisation.Kind.TRUST)
        .annotate(staff_count=Count("staff"))
        .order_by("-staff_count", "code")
        .first()
    )
    if busiest is None or busiest.region is None or busiest.staff.count() < MIN_STAFF:
        raise LoadTestError(
            "There are too few staff for a load test: run `manage.py synth --scale region` first."
        )
    return busiest.region, busiest


@transaction.atomic
def prepare(*, path: Path, seed: int = 2012) -> dict[str, Any]:
    """Make the load-test accounts and records; write what the locustfile needs to `path`."""
    if User.objects.filter(email__endswith="@" + DOMAIN).exists():
        raise LoadTestError(
            "Load-test accounts already exist in this database: load a fresh one "
            "(`make loadtest` does) or delete them first."
        )
    rng = random.Random(seed)  # noqa: S311 (synthetic load-test data, not secrets)
    region, trust = _region_and_trust()
    password = secrets.token_urlsafe(18)
    # People with a line manager: the staff accounts apply to a programme, which needs one.
    free = list(
        _free_people(trust)
        .filter(line_manager__isnull=False)
        .order_by("pk")[: ACCOUNTS_PER_KIND * 3]
    )
    managers = list(
        _free_people(trust)
        .annotate(report_count=Count("reports"))
        .filter(report_count__gte=5)
        .exclude(pk__in=[p.pk for p in free])
        .order_by("-report_count", "pk")[:ACCOUNTS_PER_KIND]
    )
    if len(free) < ACCOUNTS_PER_KIND * 3 or len(managers) < ACCOUNTS_PER_KIND:
        raise LoadTestError(f"{trust.name} has too few staff without accounts for a load test.")
    staff = [_account("staff", n, password, p) for n, p in enumerate(free[:ACCOUNTS_PER_KIND])]
    subjects = [
        _account("subject", n, password, p)
        for n, p in enumerate(free[ACCOUNTS_PER_KIND : ACCOUNTS_PER_KIND * 2])
    ]
    manager_users = [_account("manager", n, password, p) for n, p in enumerate(managers)]
    org_leads: list[dict[str, str]] = []
    regional_leads: list[dict[str, str]] = []
    for n in range(ACCOUNTS_PER_KIND):
        lead = _account("orglead", n, password)
        account_actions.assign_role(
            user=lead, role=Role.ORGANISATION_LEAD, organisation=trust, by=SYSTEM
        )
        org_leads.append({"email": lead.email, "totp_key": _with_authenticator(lead)})
        regional = _account("regional", n, password)
        account_actions.assign_role(
            user=regional, role=Role.REGIONAL_LEAD, region=region, by=SYSTEM
        )
        regional_leads.append({"email": regional.email, "totp_key": _with_authenticator(regional)})
    first_lead = User.objects.get(email=org_leads[0]["email"])
    _, api_secret = account_actions.create_api_token(
        organisation=trust,
        name="Load test",
        scopes=[choice.value for choice in ApiToken.Scope],
        by=first_lead,
        expires_in_days=7,
    )
    reports = [
        reverse("feedback:show_report", args=[_report_cycle(subject, rng).pk])
        for subject in subjects[:REPORTS]
    ]
    codes = _card_codes(subjects[-1], CARD_CODES)
    names = Person.objects.filter(organisation=trust).order_by("pk").values_list("last_name")
    surnames = sorted({name for (name,) in names[:2_000]})
    manager_surnames = {
        user.email: sorted(
            set(Person.objects.in_team_of(user.person).values_list("last_name", flat=True)[:200])
        )
        for user in manager_users
        if user.person is not None
    }
    data: dict[str, Any] = {
        "prepared_at": timezone.now().isoformat(),
        "region": region.code,
        "organisation": trust.code,
        "password": password,
        "staff": [u.email for u in staff],
        "subjects": [
            {"email": s.email, "report": report}
            for s, report in zip(subjects[:REPORTS], reports, strict=True)
        ],
        "managers": [
            {"email": m.email, "surnames": manager_surnames[m.email]} for m in manager_users
        ],
        "org_leads": org_leads,
        "regional_leads": regional_leads,
        "api_token": api_secret,
        "surnames": surnames[:200],
        "card_codes": codes,
        "card_subject": subjects[-1].email,
        "programme_codes": _programme_codes(),
        "applications": _applications(staff, region),
        "deadline": (timezone.localdate() + dt.timedelta(days=14)).isoformat(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    path.chmod(0o600)
    return data


@transaction.atomic
def refresh_card_codes(*, path: Path) -> int:
    """New, unused card codes for the open cycle, for running the load test again (`--reuse`):
    each run uses codes up, and a used code rightly answers 410 Gone."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if "applications" not in data:
        raise LoadTestError(
            "This load-test database was prepared by an older Healthlead, without programme "
            "applications: run `make loadtest` without --reuse to prepare it again."
        )
    cycle = FeedbackCycle.objects.filter(
        subject__user__email=data["card_subject"], state=FeedbackCycle.State.OPEN
    ).first()
    if cycle is None:
        raise LoadTestError("The load test's open 360 cycle is gone: prepare the database again.")
    data["card_codes"] = _cards_for(cycle, CARD_CODES)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return len(data["card_codes"])


def _applications(staff: list[User], region: Region) -> dict[str, dict[str, str]]:
    """An open Mary Seacole intake for the region, and a draft application to it for each staff
    account: the page of the application and of its first statement, by email. Entry is gated on
    the tier below, so each account is first recorded as having completed Edward Jenner (and
    on a line manager's endorsement, so staff accounts are people with a line manager)."""
    from healthlead.appraisal.actions import record_completion_evidence
    from healthlead.programmes import actions as programme_actions
    from healthlead.programmes import application_actions
    from healthlead.programmes.actions import ProgrammeError
    from healthlead.programmes.models import ProgrammeVersion

    version = ProgrammeVersion.objects.filter(
        programme__code=APPLICATION_PROGRAMME, state=ProgrammeVersion.State.PUBLISHED
    ).first()
    criterion = version.criteria.order_by("pk").first() if version is not None else None
    if version is None or criterion is None:
        raise LoadTestError(f"No published {APPLICATION_PROGRAMME} programme: run synth first.")
    today = timezone.localdate()
    intake = programme_actions.create_intake(
        version=version,
        name=f"Load test intake {today:%Y-%m-%d}",
        region=region,
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=30),
        places=ACCOUNTS_PER_KIND,
        budget=ACCOUNTS_PER_KIND * 2_000,
        by=SYSTEM,
    )
    intake = programme_actions.open_intake(intake=intake, by=SYSTEM)
    applications: dict[str, dict[str, str]] = {}
    for user in staff:
        if user.person is None:
            raise LoadTestError(f"{user.email} has no staff record.")
        record_completion_evidence(
            person=user.person,
            programme_name=PREREQUISITE_PROGRAMME,
            completed_on=today - dt.timedelta(days=100),
            by=SYSTEM,
        )
        try:
            application = application_actions.start_application(
                intake=intake, person=user.person, by=user
            )
        except ProgrammeError as error:
            raise LoadTestError(f"{user.email} cannot apply: {error.message}") from error
        applications[user.email] = {
            "application": reverse("programmes:show_application", args=[application.pk]),
            "statement": reverse("programmes:edit_statement", args=[application.pk, criterion.pk]),
        }
    return applications


def _programme_codes() -> list[str]:
    from healthlead.programmes.models import Programme

    return list(Programme.objects.order_by("code").values_list("code", flat=True)[:6])


def refresh_statistics() -> None:
    """VACUUM ANALYZE on PostgreSQL: after a bulk load the planner knows nothing of the new rows
    until autovacuum visits them, and plans for empty tables (a 0.3 s query becomes 1.1 s).
    Production has autovacuum to do this; a load-test database is measured straight after its
    load, and the development machines' PostgreSQL runs with autovacuum off."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
