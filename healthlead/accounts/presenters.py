"""What the home and account pages show for a user's roles."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import formats, timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from healthlead.accounts.models import ApiToken, Role, RoleAssignment
from healthlead.accounts.permissions import Permission
from healthlead.accounts.scope import Scope


@dataclass
class NextStep:
    title: str
    text: str
    href: str


@dataclass
class HomeSection:
    role: str
    steps: list[NextStep] = field(default_factory=list)


@dataclass
class HomePage:
    name: str
    sections: list[HomeSection]


def home_for(scope: Scope) -> HomePage:
    """One section per role, each with what to do next."""
    user = scope.user
    sections: list[HomeSection] = []
    person = scope.person
    if person is not None:
        sections.append(
            HomeSection(
                Role.STAFF.label,
                [
                    NextStep(
                        "Your staff record",
                        "Check the details your employer holds about you.",
                        reverse("people:show_person", args=[person.pk]),
                    ),
                    NextStep(
                        "Explore the leadership frameworks",
                        "See the behaviours expected of leaders at every stage of a career.",
                        reverse("frameworks:list_frameworks"),
                    ),
                    NextStep(
                        "Your development plan",
                        "Your goals, what you will do towards them, and your evidence.",
                        reverse("appraisal:list_goals"),
                    ),
                    NextStep(
                        "Your appraisal",
                        "Prepare for your annual appraisal and sign it off.",
                        reverse("appraisal:list_appraisals"),
                    ),
                    NextStep(
                        "Talent and the national talent pool",
                        "Your talent conversations, and the pool for director and board posts.",
                        reverse("talent:show_talent_home"),
                    ),
                ],
            )
        )
    if scope.is_line_manager:
        sections.append(
            HomeSection(
                Role.LINE_MANAGER.label,
                [
                    NextStep(
                        "Your team",
                        "See the people you manage, at every level below you.",
                        reverse("people:list_people") + "?team=mine",
                    ),
                    NextStep(
                        "Your team's talent grid",
                        "Where the people you manage sit on the 9-box grid.",
                        reverse("talent:show_team_grid"),
                    ),
                ],
            )
        )
    if scope.is_lead:
        label = (
            Role.NATIONAL_LEAD.label
            if scope.national
            else Role.REGIONAL_LEAD.label
            if scope.region_ids
            else Role.ORGANISATION_LEAD.label
        )
        steps = [
            NextStep(
                "Find a member of staff",
                "Search by name or staff number across the organisations you cover.",
                reverse("people:list_people"),
            ),
            NextStep(
                "Organisations",
                "Staff numbers by staff group for each organisation you cover.",
                reverse("people:list_organisations"),
            ),
        ]
        if user.has_perm(Permission.IMPORT_STAFF):
            steps.insert(
                0,
                NextStep(
                    "Import staff",
                    "Upload your organisation's staff file. We check it before anything changes.",
                    reverse("people:new_staff_import"),
                ),
            )
        steps.append(
            NextStep(
                "Talent and succession",
                "Talent grids, succession plans and, for regional and national leads, the "
                "national talent pool.",
                reverse("talent:show_talent_home"),
            )
        )
        if user.has_perm(Permission.MANAGE_API_TOKENS):
            steps.append(
                NextStep(
                    "API tokens",
                    "Let your organisation's own systems read Healthlead data.",
                    reverse("accounts:list_api_tokens"),
                )
            )
        if user.has_perm(Permission.RESET_TWO_FACTOR):
            steps.append(
                NextStep(
                    "Reset someone's two-factor sign-in",
                    "For someone who has lost the phone with their authenticator app.",
                    reverse("accounts:start_two_factor_reset"),
                )
            )
        sections.append(HomeSection(label, steps))
    for role in (Role.PROVIDER, Role.PATIENT_PARTNER, Role.MENTOR, Role.FACILITATOR):
        if role in scope.roles:
            sections.append(
                HomeSection(
                    role.label,
                    [
                        NextStep(
                            "Leadership frameworks",
                            "The behaviours Healthlead programmes and feedback are built on.",
                            reverse("frameworks:list_frameworks"),
                        )
                    ],
                )
            )
    from healthlead.programmes.presenters import add_home_steps

    add_home_steps(scope, sections)
    return HomePage(name=user.display_name, sections=sections)


@dataclass
class AccountPage:
    email: str
    name: str
    roles: list[str]
    two_factor_required: bool
    two_factor_set_up: bool
    two_factor_verified: bool
    manages_api_tokens: bool
    second_factor_by_provider: bool = False


def account_for(scope: Scope, *, second_factor_by_provider: bool = False) -> AccountPage:
    """The account page: who the user is, every role with its scope, and sign-in security.

    `second_factor_by_provider`: this sign-in used several factors at the single sign-on
    provider, which the deployment accepts in place of a one-time code.
    """
    user = scope.user
    roles = [Role.STAFF.label] if scope.person is not None else []
    if scope.is_line_manager:
        roles.append(Role.LINE_MANAGER.label)
    for assignment in (
        RoleAssignment.objects.current().filter(user=user).select_related("organisation", "region")
    ):
        roles.append(str(assignment))
    return AccountPage(
        email=user.email,
        name=user.display_name,
        roles=roles,
        two_factor_required=scope.is_privileged,
        two_factor_set_up=TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        two_factor_verified=bool(getattr(user, "is_verified", lambda: False)()),
        manages_api_tokens=user.has_perm(Permission.MANAGE_API_TOKENS),
        second_factor_by_provider=second_factor_by_provider,
    )


_SCOPE_LABELS = dict(ApiToken.Scope.choices)


@dataclass
class TokenRow:
    pk: int
    name: str
    organisation: str
    prefix: str
    scopes: list[str]
    status: str
    status_colour: str
    created: str
    created_by: str
    expires: str
    last_used: str
    revocable: bool


def _day(moment: dt.datetime | None, empty: str) -> str:
    return formats.date_format(timezone.localtime(moment), "j F Y") if moment else empty


def token_row(token: ApiToken) -> TokenRow:
    """One API token as the list and confirmation pages show it (never its secret or hash)."""
    now = timezone.now()
    if token.revoked_at is not None:
        status, colour = "Revoked", "grey"
    elif token.expires_at is not None and token.expires_at <= now:
        status, colour = "Expired", "grey"
    else:
        status, colour = "Active", "green"
    return TokenRow(
        pk=token.pk,
        name=token.name,
        organisation=token.organisation.display_name,
        prefix=f"hl_{token.prefix}_…",
        scopes=[str(_SCOPE_LABELS.get(scope, scope)) for scope in token.scopes],
        status=status,
        status_colour=colour,
        created=_day(token.created_at, ""),
        created_by=token.created_by.display_name,
        expires=_day(token.expires_at, "Never"),
        last_used=_day(token.last_used_at, "Not used yet"),
        revocable=token.revoked_at is None,
    )
