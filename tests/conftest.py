"""A small world for tests that cross apps: regions, organisations, a management tree,
one user per role (plus leads and a manager of somewhere else) and organisation API tokens.

Everything is made through the real actions, so the audit log and scopes are as in use.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from healthlead.accounts import actions as account_actions
from healthlead.accounts.models import ApiToken, Role, User
from healthlead.accounts.scope import build_scope
from healthlead.core.actors import System
from healthlead.people import actions as people_actions
from healthlead.people.models import (
    CareerStage,
    Grade,
    Organisation,
    Partner,
    Person,
    Region,
    StaffGroup,
)
from tests.processes import (
    CLUSTER_TEMPLATE,
    PrivateCluster,
    django_env,
    manage,
    postgres_installed,
    sql,
)

SYSTEM = System("tests")
ALL_TOKEN_SCOPES = [scope.value for scope in ApiToken.Scope]

# Who signs in, in the order the URL-by-role table lists them.
ROLE_ACTORS = [
    "anonymous",
    "staff",
    "line_manager",
    "organisation_lead",
    "regional_lead",
    "national_lead",
    "provider",
    "patient_partner",
    "mentor",
    "facilitator",
]
# Object-level cases: the same kinds of role, over somewhere else.
OTHER_ACTORS = ["other_manager", "other_organisation_lead", "other_regional_lead"]
# Organisation API tokens: for the token's organisation, another one, and one lacking scopes.
TOKEN_ACTORS = ["token", "other_organisation_token", "organisations_only_token"]


@dataclass
class World:
    """What the world fixture built, by name."""

    region: Region  # North East and Yorkshire: trust A and trust B are here
    other_region: Region  # London: trust C is here
    trust_a: Organisation
    trust_b: Organisation
    trust_c: Organisation
    provider_org: Organisation
    director: Person  # top of trust A's tree
    manager: Person  # the line manager: reports are staff_person and target
    staff_person: Person
    target: Person  # the record object-level cases ask for (in trust A, in the manager's team)
    other_manager: Person  # manages someone else in trust A
    other_report: Person
    partner: Partner
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # actor -> secret
    extras: dict[str, Any] = field(default_factory=dict)  # built on demand by a test

    def user(self, actor: str) -> User:
        return self.users[actor]


_counter = {"n": 0}


def make_person(organisation: Organisation, **fields: Any) -> Person:
    """A staff record through the real action, with sensible defaults."""
    _counter["n"] += 1
    n = _counter["n"]
    values: dict[str, Any] = {
        "staff_number": f"9{n:06d}",
        "first_name": fields.pop("first_name", f"First{n}"),
        "last_name": fields.pop("last_name", f"Last{n}"),
        "work_email": f"staff{n}@nhs.example",
        "organisation": organisation,
        "staff_group": StaffGroup.NURSES,
        "occupation": "Staff nurse",
        "grade": Grade.BAND_5,
        "career_stage": CareerStage.EARLY_CAREER,
        "start_date": dt.date(2020, 9, 1),
    }
    values.update(fields)
    return people_actions.create_person(by=SYSTEM, **values)


def make_user(
    email: str,
    *,
    person: Person | None = None,
    partner: Partner | None = None,
    roles: tuple[tuple[Role, Any], ...] = (),
) -> User:
    """A user with roles given through the real actions, and an authenticator if privileged."""
    user = account_actions.create_user(
        email=email,
        password=None,
        by=SYSTEM,
        person=person,
        partner=partner,
        first_name=partner.first_name if partner else "",
        last_name=partner.last_name if partner else "",
    )
    for role, scope in roles:
        kwargs: dict[str, Any] = {}
        if isinstance(scope, Organisation):
            kwargs["organisation"] = scope
        elif isinstance(scope, Region):
            kwargs["region"] = scope
        account_actions.assign_role(user=user, role=role, by=SYSTEM, **kwargs)
    if build_scope(user).is_privileged:
        device = account_actions.pending_totp_device(user=user)
        account_actions.confirm_totp_device(device=device, by=SYSTEM)
    return user


def build_world() -> World:
    people_actions.load_regions(by=SYSTEM)
    region = Region.objects.get(region_set__code="nhse-2020", code="Y63")
    other_region = Region.objects.get(region_set__code="nhse-2020", code="Y56")

    def organisation(code: str, name: str, kind: str, where: Region) -> Organisation:
        return people_actions.create_organisation(
            code=code, name=name, kind=kind, region=where, by=SYSTEM
        )

    trust_a = organisation("TA1", "TRUST A NHS FOUNDATION TRUST", Organisation.Kind.TRUST, region)
    trust_b = organisation("TB1", "TRUST B NHS TRUST", Organisation.Kind.TRUST, region)
    trust_c = organisation("TC1", "TRUST C NHS TRUST", Organisation.Kind.TRUST, other_region)
    provider_org = organisation(
        "PV1", "LEADERSHIP TRAINING LTD", Organisation.Kind.PROVIDER, region
    )

    director = make_person(trust_a, grade=Grade.VSM, career_stage=CareerStage.EXECUTIVE)
    manager = make_person(
        trust_a, line_manager=director, grade=Grade.BAND_7, career_stage=CareerStage.ESTABLISHED
    )
    staff_person = make_person(trust_a, line_manager=manager)
    target = make_person(trust_a, line_manager=manager, staff_group=StaffGroup.MIDWIVES)
    other_manager = make_person(trust_a, line_manager=director, grade=Grade.BAND_7)
    other_report = make_person(trust_a, line_manager=other_manager)
    partner = people_actions.create_partner(
        by=SYSTEM,
        consent=True,
        first_name="Pat",
        last_name="Partner",
        email="pat.partner@example.org",
        region=region,
    )

    world = World(
        region=region,
        other_region=other_region,
        trust_a=trust_a,
        trust_b=trust_b,
        trust_c=trust_c,
        provider_org=provider_org,
        director=director,
        manager=manager,
        staff_person=staff_person,
        target=target,
        other_manager=other_manager,
        other_report=other_report,
        partner=partner,
    )
    users = world.users
    users["staff"] = make_user("staff@nhs.example", person=staff_person)
    users["line_manager"] = make_user("manager@nhs.example", person=manager)
    users["organisation_lead"] = make_user(
        "org.lead@nhs.example",
        person=make_person(trust_a, grade=Grade.BAND_8B),
        roles=((Role.ORGANISATION_LEAD, trust_a),),
    )
    users["regional_lead"] = make_user(
        "regional.lead@nhs.example",
        person=make_person(trust_b, grade=Grade.BAND_8D),
        roles=((Role.REGIONAL_LEAD, region),),
    )
    users["national_lead"] = make_user(
        "national.lead@nhs.example",
        person=make_person(trust_c, grade=Grade.VSM),
        roles=((Role.NATIONAL_LEAD, None),),
    )
    users["provider"] = make_user(
        "provider@training.example", roles=[(Role.PROVIDER, provider_org)]
    )
    users["patient_partner"] = make_user(
        "pat.partner@example.org", partner=partner, roles=[(Role.PATIENT_PARTNER, None)]
    )
    users["mentor"] = make_user(
        "mentor@nhs.example", person=make_person(trust_b), roles=[(Role.MENTOR, None)]
    )
    users["facilitator"] = make_user(
        "facilitator@nhs.example", person=make_person(trust_b), roles=[(Role.FACILITATOR, None)]
    )
    users["other_manager"] = make_user("other.manager@nhs.example", person=other_manager)
    users["other_organisation_lead"] = make_user(
        "other.org.lead@nhs.example",
        person=make_person(trust_b, grade=Grade.BAND_8B),
        roles=((Role.ORGANISATION_LEAD, trust_b),),
    )
    users["other_regional_lead"] = make_user(
        "other.regional.lead@nhs.example",
        person=make_person(trust_c, grade=Grade.BAND_8D),
        roles=((Role.REGIONAL_LEAD, other_region),),
    )

    def token(organisation: Organisation, by: User, scopes: list[str]) -> str:
        _, secret = account_actions.create_api_token(
            organisation=organisation, name="Test system", scopes=scopes, by=by
        )
        return secret

    world.tokens["token"] = token(trust_a, users["organisation_lead"], ALL_TOKEN_SCOPES)
    world.tokens["other_organisation_token"] = token(
        trust_b, users["other_organisation_lead"], ALL_TOKEN_SCOPES
    )
    world.tokens["organisations_only_token"] = token(
        trust_a, users["organisation_lead"], [ApiToken.Scope.READ_ORGANISATIONS.value]
    )
    return world


@contextlib.contextmanager
def kept_for_module(django_db_blocker: Any) -> Iterator[None]:
    """A transaction open until the block ends, then rolled back: for a module-scoped fixture.

    What a module-scoped fixture writes inside it is there for every test of the module, and
    each test's own changes are rolled back to a savepoint after it (as in any `django_db`
    test), so every test starts from the same data. Not for `transaction=True` tests: they
    commit, and empty every table when they end.
    """
    with django_db_blocker.unblock():
        block = transaction.atomic()
        block.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            block.__exit__(None, None, None)


@pytest.fixture(scope="module")
def module_transaction(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """A transaction open for the whole test module (see `kept_for_module`)."""
    with kept_for_module(django_db_blocker):
        yield


@pytest.fixture(scope="module")
def shared_world(module_transaction: None, django_db_blocker: Any) -> World:
    """The world, built once for the test module (see `world`)."""
    with django_db_blocker.unblock():
        return build_world()


def copy_for_test(shared: Any, request: pytest.FixtureRequest) -> Any:
    """A test's own copy of objects a module-scoped fixture made inside `kept_for_module`, as
    they were when made (whatever earlier tests did to theirs)."""
    marker = request.node.get_closest_marker("django_db")
    commits = {"transactional_db", "live_server", "django_db_reset_sequences"}
    if (marker and marker.kwargs.get("transaction")) or commits & set(request.fixturenames):
        pytest.fail("Module-shared data is for tests that roll back, not transaction=True ones")
    return copy.deepcopy(shared)


@pytest.fixture
def world(shared_world: World, db: Any, request: pytest.FixtureRequest) -> World:
    """Regions, four organisations, a management tree, one user per role, three tokens.

    Built once per test module; each test gets its own copy of the objects, as they were
    when built, and its changes to the database are rolled back after it.
    """
    return copy_for_test(shared_world, request)


def complete_two_factor(client: Client, user: User) -> None:
    """Enter the current code on the two-factor page, as a person would."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    response = client.post("/accounts/two-factor/", {"code": f"{code:0{device.digits}d}"})
    assert response.status_code == 302, "the two-factor page did not accept the code"


def sign_in(client: Client, user: User) -> Client:
    """Sign a user in; privileged users also pass two-factor sign-in."""
    client.force_login(user)
    if build_scope(user).is_privileged:
        complete_two_factor(client, user)
    return client


@pytest.fixture
def sign_in_as(world: World, client: Client) -> Any:
    """sign_in_as("regional_lead") -> a test client signed in (and verified) as that actor."""

    def _sign_in(actor: str) -> Client:
        if actor != "anonymous":
            sign_in(client, world.user(actor))
        return client

    return _sign_in


def token_headers(world: World, actor: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[actor]}"}


# Real processes on a private PostgreSQL cluster (tests/processes.py) -------------------------


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep `--dist loadgroup` grouping: each test process runs all the tests of an
    `xdist_group`, one group at a time, biggest first.

    pytest-xdist names a grouped test `nodeid@group` for its scheduler, but on pytest 9.2 that
    renaming no longer takes (pytest-xdist issue 1386) and groups are silently split across
    processes; this does the renaming where it did not take.
    """
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        marks = item.iter_markers("xdist_group")
        names = sorted(
            {str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in marks}
        )
        suffix = "@" + "_".join(names)
        if names and not item.nodeid.endswith(suffix):
            from _pytest.nodeid import coerce_node_id

            item._id = coerce_node_id(item.nodeid + suffix)


@pytest.fixture(scope="session")
def private_cluster() -> Iterator[PrivateCluster]:
    """One private PostgreSQL cluster for the test process, with a migrated template database
    (copying it with CREATE DATABASE ... TEMPLATE is much faster than migrating each time).

    The tests that use it are in one xdist group, so they run one after another in one process
    and it is made once. A test may stop and start it, but must leave it running.
    """
    if not postgres_installed():
        if os.environ.get("CI"):
            pytest.fail("CI has PostgreSQL; the fault tests must not be skipped there")
        pytest.skip("the fault tests run a private PostgreSQL cluster: install postgresql")
    cluster = PrivateCluster()
    cluster.init()
    cluster.start()
    try:
        # A killed client's session ends at once, even while it waits for a lock.
        sql(cluster.url("postgres"), "ALTER SYSTEM SET client_connection_check_interval = 200")
        sql(cluster.url("postgres"), "SELECT pg_reload_conf()")
        cluster.create_database(CLUSTER_TEMPLATE)
        migrated = manage(
            django_env(cluster.url(CLUSTER_TEMPLATE)), "migrate", "--noinput", timeout=600
        )
        assert migrated.returncode == 0, migrated.stderr
        yield cluster
    finally:
        cluster.stop("immediate")
        cluster.remove()
