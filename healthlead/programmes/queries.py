"""Read paths for programme pages, the API and reports. Query counts do not grow with the data:
related rows come with select_related or prefetch_related, and counts are aggregates."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from healthlead.accounts.scope import Scope
from healthlead.people.models import Grade, Person, Region
from healthlead.programmes.models import (
    Application,
    BursaryRequest,
    ConflictDeclaration,
    Endorsement,
    FundingConfirmation,
    Intake,
    LearningOutcome,
    Moderation,
    Module,
    Offer,
    PanelMember,
    PriorLearningClaim,
    PriorLearningDecision,
    Programme,
    ProgrammeVersion,
    ScoreSheet,
    Statement,
    Tier,
)

# The curriculum ----------------------------------------------------------------------------------


def tiers() -> list[Tier]:
    return list(Tier.objects.order_by("number"))


def tiers_with_programmes() -> list[tuple[Tier, list[ProgrammeVersion]]]:
    """Every tier with its published programmes (two queries)."""
    versions = defaultdict(list)
    for version in (
        ProgrammeVersion.objects.published().select_related("programme").order_by("programme__name")
    ):
        versions[version.tier_id].append(version)
    return [(tier, versions[tier.pk]) for tier in tiers()]


def _version_detail(queryset: QuerySet[ProgrammeVersion]) -> QuerySet[ProgrammeVersion]:
    return queryset.select_related("programme", "tier").prefetch_related(
        Prefetch(
            "outcomes",
            LearningOutcome.objects.prefetch_related("elements__domain__version__framework"),
        ),
        "modules",
        "criteria",
        "gates",
    )


def published_version(code: str) -> ProgrammeVersion | None:
    """A programme's published version with its outcomes, modules, criteria and gates."""
    return (
        _version_detail(ProgrammeVersion.objects.published()).filter(programme__code=code).first()
    )


def version_by_number(code: str, number: int) -> ProgrammeVersion | None:
    return (
        _version_detail(ProgrammeVersion.objects.all())
        .filter(programme__code=code, number=number)
        .first()
    )


def programme_by_code(code: str) -> Programme | None:
    return Programme.objects.filter(code=code).first()


def versions_of(programme: Programme) -> list[ProgrammeVersion]:
    return list(programme.versions.order_by("-number"))


def draft_of(programme: Programme) -> ProgrammeVersion | None:
    return programme.versions.filter(state=ProgrammeVersion.State.DRAFT).first()


def programmes_with_published_version() -> list[Programme]:
    return list(
        Programme.objects.filter(versions__state=ProgrammeVersion.State.PUBLISHED).order_by("name")
    )


def competitive_versions() -> list[ProgrammeVersion]:
    return list(
        ProgrammeVersion.objects.published()
        .filter(tier__competitive=True)
        .select_related("programme", "tier")
        .order_by("tier__number", "programme__name")
    )


def open_intakes(programme: Programme, today: dt.date | None = None) -> list[Intake]:
    """Intakes of any version of a programme taking applications today."""
    today = today or timezone.localdate()
    return list(
        Intake.objects.filter(
            version__programme=programme,
            state=Intake.State.OPEN,
            opens_on__lte=today,
            closes_on__gte=today,
        )
        .select_related("region", "version")
        .order_by("closes_on", "name")
    )


def element_lookup() -> dict[str, Any]:
    """'<framework>/<domain>/<element>' -> element, for published framework versions."""
    from healthlead.programmes.actions import _elements_by_ref

    return _elements_by_ref()


def regions() -> list[Region]:
    from django.conf import settings

    return list(
        Region.objects.filter(region_set__code=settings.HEALTHLEAD_REGION_SET).order_by("name")
    )


# Prior learning ----------------------------------------------------------------------------------


def _claims() -> QuerySet[PriorLearningClaim]:
    return PriorLearningClaim.objects.select_related(
        "person__organisation__region", "programme"
    ).prefetch_related(
        Prefetch(
            "decisions",
            PriorLearningDecision.objects.select_related("programme")
            .prefetch_related("modules__version__programme")
            .order_by("-decided_at", "-pk"),
        )
    )


def claims_of(person: Person) -> list[PriorLearningClaim]:
    return list(_claims().filter(person=person).order_by("-submitted_at", "-pk")[:100])


def claim_detail(pk: int) -> PriorLearningClaim | None:
    return _claims().filter(pk=pk).first()


def claims_to_assess(scope: Scope) -> QuerySet[PriorLearningClaim]:
    """Claims waiting for an assessor, oldest first, within the user's scope."""
    claims = _claims().filter(state=PriorLearningClaim.State.SUBMITTED)
    if not scope.national:
        claims = claims.filter(person__organisation__region_id__in=scope.region_ids)
    person = scope.person
    if person is not None:
        claims = claims.exclude(person=person)
    return claims.order_by("submitted_at", "pk")


def modules_for(programme: Programme | None) -> list[Module]:
    """The modules of a programme's published version (for exemptions)."""
    if programme is None:
        return []
    return list(
        Module.objects.filter(
            version__programme=programme, version__state=ProgrammeVersion.State.PUBLISHED
        )
        .select_related("version__programme")
        .order_by("order")
    )


# Intakes -----------------------------------------------------------------------------------------


def _intakes() -> QuerySet[Intake]:
    return Intake.objects.select_related("version__programme", "version__tier", "region")


def intake_detail(pk: int) -> Intake | None:
    return _intakes().filter(pk=pk).first()


def managed_intakes(scope: Scope) -> QuerySet[Intake]:
    """Intakes the user runs, newest first, with how many applications each has."""
    intakes = _intakes()
    if not scope.national:
        intakes = intakes.filter(region_id__in=scope.region_ids)
    return intakes.annotate(
        sent=Count("applications", filter=Q(applications__submitted_at__isnull=False))
    ).order_by("-opens_on", "name", "pk")


STAGE_FILTERS = {
    "applied": Q(submitted_at__isnull=False),
    "eligible": Q(eligible=True),
    "shortlisted": Q(shortlisted=True),
    "offered": Q(offered_at__isnull=False),
    "accepted": Q(accepted_at__isnull=False),
}


def funnel(intake: Intake) -> dict[str, int]:
    """How many applied, were eligible, shortlisted, offered and accepted (one query)."""
    return Application.objects.filter(intake=intake).aggregate(
        **{stage: Count("pk", filter=q) for stage, q in STAGE_FILTERS.items()},
        drafts=Count("pk", filter=Q(state=Application.State.DRAFT)),
        waiting=Count("pk", filter=Q(state=Application.State.WAITING_LIST)),
        open_offers=Count("pk", filter=Q(state=Application.State.OFFERED)),
    )


def panel_members(intake: Intake) -> list[PanelMember]:
    return list(
        PanelMember.objects.filter(panel__intake=intake)
        .select_related("user__person__organisation", "user__partner")
        .annotate(scored=Count("score_sheets", distinct=True))
        .order_by("-role", "name", "pk")
    )


def member_of(user: Any, intake: Intake) -> PanelMember | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        PanelMember.objects.filter(panel__intake=intake, user_id=user.pk)
        .select_related("panel")
        .first()
    )


def quotas_of(intake: Intake) -> list[Any]:
    return list(intake.quotas.order_by("kind", "staff_group"))


def manager_applications(intake: Intake) -> QuerySet[Application]:
    """Every sent application to an intake, for its managers."""
    return (
        Application.objects.filter(intake=intake, submitted_at__isnull=False)
        .select_related("person__organisation", "endorsement", "funding", "bursary")
        .order_by("rank", "person__last_name", "pk")
    )


def ranking(intake: Intake) -> QuerySet[Application]:
    return (
        Application.objects.filter(intake=intake, shortlisted=True)
        .select_related("person__organisation")
        .order_by("rank", "pk")
    )


def moderations(intake: Intake) -> list[Moderation]:
    return list(
        Moderation.objects.filter(application__intake=intake)
        .select_related("application__person", "criterion")
        .order_by("agreed_score", "application_id", "criterion__order")
    )


def moderation_detail(pk: int) -> Moderation | None:
    return (
        Moderation.objects.select_related(
            "application__intake__version__tier", "application__person", "criterion"
        )
        .filter(pk=pk)
        .first()
    )


@dataclass(frozen=True)
class Budget:
    budget: int
    cost_per_place: int | None
    accepted: int
    committed: int
    bursaries: int
    bursaries_waiting: int
    remaining: int


def budget(intake: Intake) -> Budget:
    """Committed cost (accepted places x cost), approved bursaries and what remains (one
    query)."""
    totals = Application.objects.filter(intake=intake).aggregate(
        accepted=Count("pk", filter=Q(accepted_at__isnull=False)),
        bursaries=Sum(
            "bursary__amount_awarded",
            filter=Q(bursary__state=BursaryRequest.State.APPROVED),
        ),
        waiting=Count(
            "pk",
            filter=Q(submitted_at__isnull=False, bursary__state=BursaryRequest.State.REQUESTED),
        ),
    )
    cost = intake.version.cost_per_place
    committed = (cost or 0) * totals["accepted"]
    bursaries = totals["bursaries"] or 0
    return Budget(
        budget=intake.budget,
        cost_per_place=cost,
        accepted=totals["accepted"],
        committed=committed,
        bursaries=bursaries,
        bursaries_waiting=totals["waiting"],
        remaining=intake.budget - committed - bursaries,
    )


def enrolments_of(intake: Intake) -> list[Any]:
    """The places taken up in an intake, with the person, by name."""
    from healthlead.programmes.models import EnrolmentHandOff

    return list(
        EnrolmentHandOff.objects.filter(intake=intake)
        .select_related("person")
        .order_by("person__last_name", "person__first_name", "pk")
    )


def enrolment_detail(pk: int) -> Any:
    from healthlead.programmes.models import EnrolmentHandOff

    return (
        EnrolmentHandOff.objects.select_related("person", "intake", "version__programme")
        .filter(pk=pk)
        .first()
    )


def appeals_of(intake: Intake) -> list[Any]:
    from healthlead.programmes.models import Appeal

    return list(
        Appeal.objects.filter(application__intake=intake)
        .select_related("application__person")
        .order_by("state", "lodged_at")
    )


# Applications ------------------------------------------------------------------------------------


def applications_of(person: Person) -> list[Application]:
    return list(
        Application.objects.filter(person=person)
        .select_related("intake__version__programme", "intake__region")
        .order_by("-created_at", "-pk")[:100]
    )


def _application_detail() -> QuerySet[Application]:
    return Application.objects.select_related(
        "intake__version__programme",
        "intake__version__tier",
        "intake__region",
        "person__organisation__region",
        "person__line_manager",
        "endorsement__manager",
        "funding__organisation",
        "bursary",
    ).prefetch_related(
        Prefetch("statements", Statement.objects.select_related("criterion")),
        "intake__version__criteria",
        "intake__version__gates",
        Prefetch("offers", Offer.objects.order_by("-made_at", "-pk")),
        "appeals",
    )


def application_detail(pk: int) -> Application | None:
    """An application with everything its pages show (a fixed number of queries)."""
    return _application_detail().filter(pk=pk).first()


def applications_in_detail(person: Person, limit: int = 50) -> list[Application]:
    """A person's latest applications with everything the API shows (a fixed number of
    queries)."""
    return list(_application_detail().filter(person=person).order_by("-created_at", "-pk")[:limit])


def open_intakes_everywhere(
    programme_code: str | None = None, today: dt.date | None = None
) -> list[Intake]:
    """Intakes taking applications today, optionally of one programme."""
    today = today or timezone.localdate()
    intakes = (
        Intake.objects.filter(state=Intake.State.OPEN, opens_on__lte=today, closes_on__gte=today)
        .select_related("version__programme", "region")
        .order_by("closes_on", "pk")
    )
    if programme_code:
        intakes = intakes.filter(version__programme__code=programme_code)
    return list(intakes[:200])


def application_for(intake: Intake, person: Person) -> Application | None:
    return Application.objects.filter(intake=intake, person=person).first()


def open_offer(application: Application) -> Offer | None:
    return next((o for o in application.offers.all() if o.state == Offer.State.OPEN), None)


def offer_detail(pk: int) -> Offer | None:
    return (
        Offer.objects.select_related(
            "application__intake__version__programme", "application__person"
        )
        .filter(pk=pk)
        .first()
    )


def endorsements_for(person: Person) -> list[Endorsement]:
    return list(
        Endorsement.objects.filter(manager=person)
        .select_related("application__person", "application__intake__version__programme")
        .order_by("-requested_at", "-pk")[:100]
    )


def pending_endorsements(person: Person) -> int:
    return Endorsement.objects.filter(
        manager=person,
        state=Endorsement.State.REQUESTED,
        application__intake__state=Intake.State.OPEN,
    ).count()


def endorsement_detail(pk: int) -> Endorsement | None:
    return Endorsement.objects.select_related("manager").filter(pk=pk).first()


def funding_requests_for(scope: Scope) -> list[FundingConfirmation]:
    return list(
        FundingConfirmation.objects.filter(organisation_id__in=scope.organisation_ids)
        .select_related(
            "organisation", "application__person", "application__intake__version__programme"
        )
        .order_by("-requested_at", "-pk")[:200]
    )


def funding_detail(pk: int) -> FundingConfirmation | None:
    return FundingConfirmation.objects.select_related("organisation").filter(pk=pk).first()


def bursary_detail(pk: int) -> BursaryRequest | None:
    return (
        BursaryRequest.objects.select_related(
            "application__intake__version__programme", "application__person"
        )
        .filter(pk=pk)
        .first()
    )


def appeal_detail(pk: int) -> Any:
    from healthlead.programmes.models import Appeal

    return (
        Appeal.objects.select_related(
            "application__intake__version__programme", "application__person"
        )
        .filter(pk=pk)
        .first()
    )


# Panels ------------------------------------------------------------------------------------------


def memberships(user: Any) -> list[PanelMember]:
    return list(
        PanelMember.objects.filter(user_id=user.pk)
        .select_related("panel__intake__version__programme", "panel__intake__region")
        .order_by("-panel__intake__opens_on", "pk")
    )


def applications_to_score(intake: Intake, member: PanelMember) -> QuerySet[Application]:
    """Eligible applications the member may score (no conflict), with whether they have."""
    conflicted = ConflictDeclaration.objects.filter(member=member).values("application_id")
    return (
        Application.objects.filter(intake=intake, state=Application.State.ELIGIBLE)
        .exclude(pk__in=conflicted)
        .select_related("person__organisation")
        .annotate(mine=Count("score_sheets", filter=Q(score_sheets__member=member)))
        .order_by("mine", "pk")
    )


def conflicts_of(member: PanelMember) -> list[ConflictDeclaration]:
    return list(
        ConflictDeclaration.objects.filter(member=member)
        .select_related("application__person")
        .order_by("application_id")
    )


def score_sheets(application: Application) -> list[ScoreSheet]:
    return list(
        ScoreSheet.objects.filter(application=application)
        .select_related("member")
        .prefetch_related("scores__criterion")
        .order_by("member__name", "pk")
    )


# Fairness reports --------------------------------------------------------------------------------

BAND_GROUPS = {
    "band_1": "Bands 1 to 4",
    "band_2": "Bands 1 to 4",
    "band_3": "Bands 1 to 4",
    "band_4": "Bands 1 to 4",
    "band_5": "Band 5",
    "band_6": "Band 6",
    "band_7": "Band 7",
    "band_8a": "Band 8a",
    "band_8b": "Bands 8b to 9 and very senior managers",
    "band_8c": "Bands 8b to 9 and very senior managers",
    "band_8d": "Bands 8b to 9 and very senior managers",
    "band_9": "Bands 8b to 9 and very senior managers",
    "vsm": "Bands 8b to 9 and very senior managers",
    "fy1": "Doctors in foundation or core training",
    "fy2": "Doctors in foundation or core training",
    "ct1": "Doctors in foundation or core training",
    "ct2": "Doctors in foundation or core training",
    "ct3": "Doctors in foundation or core training",
    "specialty_doctor": "Consultants and specialty doctors",
    "consultant": "Consultants and specialty doctors",
    "student": "Students",
}
for _grade in Grade.values:
    if _grade.startswith("st"):
        BAND_GROUPS.setdefault(_grade, "Doctors in specialty training")

DIMENSIONS: dict[str, tuple[str, str]] = {
    # key -> (title, the field of Application it is read from)
    "staff_group": ("Staff group", "person__staff_group"),
    "band": ("Band or grade", "person__grade"),
    "region": ("Region", "person__organisation__region__name"),
    "sex": ("Sex (voluntary answers)", "person__equality__sex"),
    "ethnicity": ("Ethnicity (voluntary answers)", "person__equality__ethnicity"),
    "disability": ("Disability (voluntary answers)", "person__equality__disability"),
}


def funnel_counts(intake_ids: list[int], dimension: str) -> dict[int, dict[str, dict[str, int]]]:
    """intake -> group -> stage -> count, for sent applications (one aggregate query).

    Equality answers are only ever read here, as counts."""
    field = DIMENSIONS[dimension][1]
    rows = (
        Application.objects.filter(intake_id__in=intake_ids, submitted_at__isnull=False)
        .values("intake_id", field)
        .annotate(**{stage: Count("pk", filter=q) for stage, q in STAGE_FILTERS.items()})
        .order_by()
    )
    found: dict[int, dict[str, dict[str, int]]] = defaultdict(dict)
    for row in rows:
        value = row[field] or ""
        if dimension == "band":
            value = BAND_GROUPS.get(value, "Other")
        counts = found[row["intake_id"]].setdefault(value, dict.fromkeys(STAGE_FILTERS, 0))
        for stage in STAGE_FILTERS:
            counts[stage] += row[stage]
    return found


def reported_intakes() -> list[Intake]:
    """Every intake that has taken applications, for the national report."""
    return list(
        _intakes()
        .exclude(state=Intake.State.DRAFT)
        .annotate(sent=Count("applications", filter=Q(applications__submitted_at__isnull=False)))
        .order_by("-opens_on", "name", "pk")
    )


def national_funnel(intake_ids: list[int]) -> dict[int, dict[str, int]]:
    """intake -> stage -> count (one query)."""
    rows = (
        Application.objects.filter(intake_id__in=intake_ids)
        .values("intake_id")
        .annotate(**{stage: Count("pk", filter=q) for stage, q in STAGE_FILTERS.items()})
        .order_by()
    )
    return {row["intake_id"]: {s: row[s] for s in STAGE_FILTERS} for row in rows}  # type: ignore[literal-required]


def national_budget(intake_ids: list[int]) -> dict[int, dict[str, int]]:
    """intake -> accepted places and approved bursaries (one query)."""
    rows = (
        Application.objects.filter(intake_id__in=intake_ids)
        .values("intake_id")
        .annotate(
            accepted=Count("pk", filter=Q(accepted_at__isnull=False)),
            bursaries=Sum(
                "bursary__amount_awarded", filter=Q(bursary__state=BursaryRequest.State.APPROVED)
            ),
        )
        .order_by()
    )
    return {
        row["intake_id"]: {"accepted": row["accepted"], "bursaries": row["bursaries"] or 0}
        for row in rows
    }
