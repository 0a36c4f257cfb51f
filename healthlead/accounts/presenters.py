"""What the home and account pages show for a user's roles."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse

from healthlead.accounts.models import Role, RoleAssignment
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
                    )
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
    return HomePage(name=user.display_name, sections=sections)


@dataclass
class AccountPage:
    email: str
    name: str
    roles: list[str]
    two_factor: bool


def account_for(scope: Scope) -> AccountPage:
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
        two_factor=bool(getattr(user, "is_verified", lambda: False)()),
    )
