"""What a subject access export holds: one collector per area, each reading through the owning
app's models with the querysets it names (they are printed in the archive's README.txt).

A collector is a small function registered with `@collector(...)`. It declares which
person-pointing fields it covers (`covers`), so a test can fail when an app grows a new model
that points at a person and nobody has said whether it belongs in the export
(see `NOT_EXPORTED` for the fields left out on purpose, and why).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django_otp.plugins.otp_totp.models import TOTPDevice

from healthlead.accounts.models import RoleAssignment, User
from healthlead.appraisal.models import Appraisal, Completion, DevelopmentPlan, Evidence
from healthlead.core.models import AuditEvent
from healthlead.feedback.models import FeedbackCycle, Report, SelfAssessment
from healthlead.feedback.report_presenters import report_json
from healthlead.feedback.rules import report_released_to_subject
from healthlead.people.models import EqualityAnswers, Person
from healthlead.programmes.models import (
    Application,
    EnrolmentHandOff,
    PanelMember,
    PriorLearningClaim,
)
from healthlead.talent.models import (
    PoolEntry,
    PoolViewLog,
    ShortlistEntry,
    SuccessionCandidate,
    SuccessionPlan,
    TalentConversation,
    TalentProfile,
    TalentRating,
)


@dataclass(frozen=True)
class ArchiveFile:
    """A stored file to copy into the archive."""

    path: str  # inside the archive
    stored_path: str  # in upload storage
    sha256: str


@dataclass
class Section:
    """What one collector found: JSON-ready data and the files that go with it."""

    data: Any
    files: list[ArchiveFile] = field(default_factory=list)


@dataclass(frozen=True)
class Collector:
    key: str  # the archive holds <key>.json
    title: str
    description: str
    sources: tuple[str, ...]  # the querysets read, as documentation
    covers: tuple[str, ...]  # "app_label.Model.field" fields pointing at a person or user
    collect: Callable[[Person], Section]

    @property
    def file_name(self) -> str:
        return f"{self.key}.json"


COLLECTORS: dict[str, Collector] = {}

# Fields that point at a person but are not part of that person's export, and why.
NOT_EXPORTED: dict[str, str] = {
    "people.Person.line_manager": (
        "Only the person's own line manager is named (in staff_record); the people they manage "
        "have records of their own."
    ),
    "appraisal.Appraisal.appraiser": (
        "Appraisals the person holds as appraiser belong to the appraisee's record."
    ),
    "talent.TalentConversation.manager": (
        "Talent conversations the person holds as line manager belong to the other person's record."
    ),
    "programmes.Endorsement.manager": (
        "Endorsements the person gives as line manager belong to the applicant's record."
    ),
    "privacy.Erasure.person": "The erasure record exists only once the data is gone.",
}


def collector(
    key: str, *, title: str, description: str, sources: tuple[str, ...], covers: tuple[str, ...]
) -> Callable[[Callable[[Person], Section]], Callable[[Person], Section]]:
    """Register a collector for one area of the export."""

    def register(function: Callable[[Person], Section]) -> Callable[[Person], Section]:
        if key in COLLECTORS:
            raise ValueError(f"Two collectors are called {key}.")
        COLLECTORS[key] = Collector(key, title, description, sources, covers, function)
        return function

    return register


def _fields(obj: Any, names: str) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names.split()}


def _name(person: Person | None) -> str | None:
    return person.full_name if person is not None else None


# Staff record and account ----------------------------------------------------------------------


@collector(
    "staff_record",
    title="Staff record",
    description="The staff record your employer sends, and any equality-monitoring answers.",
    sources=(
        "people.Person: Person.objects.filter(pk=person.pk)",
        "people.EqualityAnswers: EqualityAnswers.objects.filter(person=person)",
    ),
    covers=("people.EqualityAnswers.person",),
)
def collect_staff_record(person: Person) -> Section:
    """The staff record, the organisation and line manager by name, and equality answers."""
    record = Person.objects.select_related("organisation", "line_manager").get(pk=person.pk)
    data = _fields(
        record,
        "staff_number first_name last_name work_email staff_group occupation grade "
        "career_stage start_date status left_on created_at updated_at",
    )
    data["organisation"] = {"code": record.organisation.code, "name": record.organisation.name}
    data["line_manager"] = _name(record.line_manager)
    equality = EqualityAnswers.objects.filter(person=person).first()
    data["equality_answers"] = (
        _fields(equality, "sex ethnicity disability answered_at") if equality else None
    )
    return Section(data)


@collector(
    "account",
    title="User account",
    description=(
        "The account you sign in with (never its password), the roles you hold and the "
        "authenticator apps registered for two-factor sign-in (their names only)."
    ),
    sources=(
        "accounts.User: User.objects.filter(person=person)",
        "accounts.RoleAssignment: RoleAssignment.objects.filter(user__person=person)",
        "otp_totp.TOTPDevice: TOTPDevice.objects.filter(user__person=person)",
    ),
    covers=("accounts.User.person", "accounts.RoleAssignment.user"),
)
def collect_account(person: Person) -> Section:
    """The user account without its password hash, role assignments and authenticators."""
    user = User.objects.filter(person=person).first()
    if user is None:
        return Section({"user": None, "role_assignments": [], "authenticators": []})
    data: dict[str, Any] = {
        "user": {
            **_fields(user, "username email first_name last_name is_active date_joined last_login"),
            "can_sign_in_with_a_password": user.has_usable_password(),
        }
    }
    data["role_assignments"] = [
        {
            "role": assignment.get_role_display(),
            "organisation": assignment.organisation.name if assignment.organisation else None,
            "region": assignment.region.name if assignment.region else None,
            "created_at": assignment.created_at,
            "ended_at": assignment.ended_at,
        }
        for assignment in RoleAssignment.objects.filter(user=user).select_related(
            "organisation", "region"
        )
    ]
    data["authenticators"] = [
        {"name": device.name, "confirmed": device.confirmed}
        for device in TOTPDevice.objects.filter(user=user)
    ]
    return Section(data)


# Development plan and appraisals ---------------------------------------------------------------


def safe_name(name: str) -> str:
    """A file name that stays inside its folder in the archive, whatever was stored."""
    cleaned = re.sub(r"[^\w .()-]", "_", name).strip(" .")
    return cleaned or "file"


def _evidence_path(evidence: Evidence) -> str:
    return f"files/evidence/{evidence.pk}-{safe_name(evidence.file_name)}"


@collector(
    "development_plan",
    title="Development plan",
    description=(
        "Your goals, the actions towards them, evidence (uploaded files are in files/evidence/), "
        "your line manager's comments and agreement, and programme completions."
    ),
    sources=(
        "appraisal.DevelopmentPlan: DevelopmentPlan.objects.filter(person=person)",
        "appraisal.Goal: plan.goals.all()",
        "appraisal.GoalAction: goal.actions.all()",
        "appraisal.Evidence: action.evidence.all()",
        "appraisal.PlanReview: plan.reviews.all()",
        "appraisal.Completion: Completion.objects.filter(person=person)",
    ),
    covers=("appraisal.DevelopmentPlan.person", "appraisal.Completion.person"),
)
def collect_development_plan(person: Person) -> Section:
    """The plan with goals, actions, evidence (with files) and reviews; completions."""
    files: list[ArchiveFile] = []
    plan = (
        DevelopmentPlan.objects.filter(person=person)
        .prefetch_related("goals__actions__evidence", "reviews")
        .first()
    )
    goals = []
    reviews = []
    if plan is not None:
        for goal in plan.goals.all():
            actions = []
            for action in goal.actions.all():
                evidence = []
                for item in action.evidence.all():
                    row = _fields(
                        item, "kind note file_name content_type size sha256 added_by_label added_at"
                    )
                    if item.kind == Evidence.Kind.FILE and item.stored_path:
                        row["archive_path"] = _evidence_path(item)
                        files.append(
                            ArchiveFile(_evidence_path(item), item.stored_path, item.sha256)
                        )
                    evidence.append(row)
                actions.append(
                    {
                        **_fields(
                            action,
                            "kind title programme_name due_on status completed_on created_at",
                        ),
                        "evidence": evidence,
                    }
                )
            goals.append(
                {
                    **_fields(goal, "title description source due_on status created_at"),
                    "element": goal.element_id,
                    "actions": actions,
                }
            )
        reviews = [_fields(review, "kind text by_label at") for review in plan.reviews.all()]
    completions = [
        _fields(completion, "programme_name completed_on reference recorded_by_label recorded_at")
        for completion in Completion.objects.filter(person=person)
    ]
    data = {
        "plan": _fields(plan, "created_at changed_at") if plan else None,
        "goals": goals,
        "reviews": reviews,
        "completions": completions,
    }
    return Section(data, files)


@collector(
    "appraisals",
    title="Appraisals",
    description=(
        "Your appraisals: what was written and agreed, the ratings, each change of state, the "
        "sign-offs and any later addenda."
    ),
    sources=(
        "appraisal.Appraisal: Appraisal.objects.filter(appraisee=person)",
        "appraisal.AppraisalStateChange: appraisal.state_changes.all()",
        "appraisal.AppraisalSignOff: appraisal.sign_offs.all()",
        "appraisal.AppraisalAddendum: appraisal.addenda.all()",
    ),
    covers=("appraisal.Appraisal.appraisee", "appraisal.AppraisalSignOff.person"),
)
def collect_appraisals(person: Person) -> Section:
    """Appraisals as appraisee, with their state changes, sign-offs and addenda."""
    appraisals = (
        Appraisal.objects.filter(appraisee=person)
        .select_related("appraiser")
        .prefetch_related("state_changes", "sign_offs__person", "addenda")
    )
    data = []
    for appraisal in appraisals:
        row = _fields(
            appraisal,
            "year state reflection discussion objectives performance potential "
            "agreed_plan_notes agreed_plan supports_revalidation has_cpd "
            "has_quality_improvement has_significant_events has_patient_feedback "
            "has_colleague_feedback has_compliments_and_complaints revalidation_notes "
            "started_at submitted_at signed_off_at updated_at",
        )
        row["appraiser"] = _name(appraisal.appraiser)
        row["state_changes"] = [
            _fields(change, "from_state to_state by_label at note")
            for change in appraisal.state_changes.all()
        ]
        row["sign_offs"] = [
            {"role": s.role, "by": _name(s.person), "at": s.at, "superseded_at": s.superseded_at}
            for s in appraisal.sign_offs.all()
        ]
        row["addenda"] = [_fields(a, "text by_label at") for a in appraisal.addenda.all()]
        data.append(row)
    return Section(data)


# Talent --------------------------------------------------------------------------------------


@collector(
    "talent",
    title="Talent",
    description=(
        "Talent conversations and their reviews, your place on the talent grid and every move, "
        "your talent pool membership with each consent, what the pool shows of you, who viewed "
        "your pool profile and why, shortlists you are on, and succession plans naming you."
    ),
    sources=(
        "talent.TalentConversation: TalentConversation.objects.filter(person=person)",
        "talent.TalentReview: conversation.reviews.all()",
        "talent.TalentRating: TalentRating.objects.filter(person=person)",
        "talent.TalentRatingChange: rating.history.all()",
        "talent.TalentProfile: TalentProfile.objects.filter(person=person)",
        "talent.ConsentRecord: profile.records.all()",
        "talent.PoolEntry: PoolEntry.objects.filter(person=person) (with scores and programmes)",
        "talent.PoolViewLog: PoolViewLog.objects.filter(person=person)",
        "talent.ShortlistEntry: ShortlistEntry.objects.filter(person=person)",
        "talent.SuccessionCandidate: SuccessionCandidate.objects.filter(person=person)",
        "talent.SuccessionPlan: SuccessionPlan.objects.filter(incumbent=person)",
    ),
    covers=(
        "talent.TalentConversation.person",
        "talent.TalentRating.person",
        "talent.TalentRatingChange.person",
        "talent.TalentProfile.person",
        "talent.PoolEntry.person",
        "talent.PoolViewLog.person",
        "talent.ShortlistEntry.person",
        "talent.SuccessionCandidate.person",
        "talent.SuccessionPlan.incumbent",
    ),
)
def collect_talent(person: Person) -> Section:
    """Everything the talent app holds about the person."""
    conversations = []
    for conversation in TalentConversation.objects.filter(person=person).prefetch_related(
        "reviews"
    ):
        row = _fields(
            conversation,
            "held_on started_by_label started_as aspirations aspiration_notes readiness "
            "performance performance_source potential notes created_at",
        )
        row["reviews"] = [
            _fields(review, "months due_on reviewed_at reviewed_by_label notes")
            for review in conversation.reviews.all()
        ]
        conversations.append(row)
    rating = TalentRating.objects.filter(person=person).prefetch_related("history").first()
    profile = TalentProfile.objects.filter(person=person).prefetch_related("records").first()
    entry = PoolEntry.objects.filter(person=person).prefetch_related("scores", "programmes").first()
    data = {
        "conversations": conversations,
        "grid_place": (
            {
                **_fields(rating, "performance potential box updated_at"),
                "history": [
                    _fields(change, "kind from_box to_box reason by_label at")
                    for change in rating.history.all()
                ],
            }
            if rating
            else None
        ),
        "talent_pool": (
            {
                **_fields(
                    profile,
                    "profession statement consent_text_version consent_given_at withdrawn_at "
                    "share_role share_contact share_readiness share_grid share_feedback_scores "
                    "share_programmes updated_at",
                ),
                "consent_records": [
                    _fields(record, "kind consent_text_version choices by_label at")
                    for record in profile.records.all()
                ],
            }
            if profile
            else None
        ),
        "pool_entry": (
            {
                **_fields(
                    entry,
                    "full_name staff_group profession organisation_name role_title grade email "
                    "readiness box statement scores_from refreshed_at",
                ),
                "scores": [_fields(s, "domain_name score") for s in entry.scores.all()],
                "programmes": [
                    _fields(p, "programme_name completed_on") for p in entry.programmes.all()
                ],
            }
            if entry
            else None
        ),
        "pool_profile_views": [
            _fields(view, "viewer_label viewer_role reason at")
            for view in PoolViewLog.objects.filter(person=person)
        ],
        "shortlists": [
            {
                "appointment": item.shortlist.appointment,
                **_fields(item, "note added_at removed_at removed_because"),
            }
            for item in ShortlistEntry.objects.filter(person=person).select_related("shortlist")
        ],
        "succession_candidacies": [
            {
                "role": candidate.plan.role_title,
                "organisation": candidate.plan.organisation.name,
                **_fields(candidate, "readiness notes added_at updated_at"),
            }
            for candidate in SuccessionCandidate.objects.filter(person=person).select_related(
                "plan__organisation"
            )
        ],
        "succession_plans_as_incumbent": [
            {"role": plan.role_title, "organisation": plan.organisation.name}
            for plan in SuccessionPlan.objects.filter(incumbent=person).select_related(
                "organisation"
            )
        ],
    }
    return Section(data)


# 360 feedback --------------------------------------------------------------------------------


def _report_as_subject_sees_it(cycle: FeedbackCycle) -> dict[str, Any] | None:
    """The frozen report exactly as the subject may see it, once it is released to them."""
    try:
        report = cycle.report
    except Report.DoesNotExist:
        return None
    if not report_released_to_subject(None, cycle):
        return None
    return report_json(report)


@collector(
    "feedback",
    title="Self-assessment and 360 feedback",
    description=(
        "Your self-assessments, and the 360 feedback cycles about you with each frozen report "
        "as you may see it once it is released. Who gave feedback and their own answers are "
        "never included: the report shows only what the anonymity rule allows."
    ),
    sources=(
        "feedback.SelfAssessment: SelfAssessment.objects.filter(person=person)",
        "feedback.FeedbackCycle: FeedbackCycle.objects.filter(subject=person)",
        "feedback.Report: cycle.report (only when released to the subject)",
        "feedback.Debrief: cycle.debrief",
    ),
    covers=("feedback.FeedbackCycle.subject", "feedback.SelfAssessment.person"),
)
def collect_feedback(person: Person) -> Section:
    """Self-assessments and 360 cycles as subject (released reports only)."""
    self_assessments = [
        {
            "questionnaire": str(item.questionnaire),
            **_fields(item, "state ratings submitted_at created_at updated_at"),
        }
        for item in SelfAssessment.objects.filter(person=person).select_related("questionnaire")
    ]
    cycles = []
    for cycle in (
        FeedbackCycle.objects.filter(subject=person)
        .select_related("questionnaire__framework_version__framework", "facilitator", "report")
        .order_by("created_at", "pk")
    ):
        row = _fields(cycle, "state deadline launched_at closed_at released_at created_at")
        row["questionnaire"] = str(cycle.questionnaire)
        row["facilitator"] = cycle.facilitator.display_name if cycle.facilitator else None
        row["report"] = _report_as_subject_sees_it(cycle)
        debrief = getattr(cycle, "debrief", None)
        row["debrief"] = _fields(debrief, "held_on notes") if debrief else None
        cycles.append(row)
    return Section({"self_assessments": self_assessments, "cycles": cycles})


# Programmes ----------------------------------------------------------------------------------


def _claim_path(claim: PriorLearningClaim) -> str:
    return f"files/prior-learning/{claim.pk}-{safe_name(claim.file_name)}"


@collector(
    "programmes",
    title="Programmes",
    description=(
        "Your applications to programme intakes (statements, endorsement, funding, bursary, "
        "offers, appeals, the place you took up), claims for prior learning with their evidence "
        "files (in files/prior-learning/) and decisions, and selection panels you sit on. "
        "Individual panel members' scores are not included; the moderated result is."
    ),
    sources=(
        "programmes.Application: Application.objects.filter(person=person)",
        "programmes.Statement / ApplicationStateChange / Offer / Appeal: application.<related>",
        "programmes.Endorsement / FundingConfirmation / BursaryRequest: application.<related>",
        "programmes.EnrolmentHandOff: EnrolmentHandOff.objects.filter(person=person)",
        "programmes.PriorLearningClaim: PriorLearningClaim.objects.filter(person=person)",
        "programmes.PriorLearningDecision: claim.decisions.all()",
        "programmes.PanelMember: PanelMember.objects.filter(user__person=person)",
    ),
    covers=(
        "programmes.Application.person",
        "programmes.EnrolmentHandOff.person",
        "programmes.PriorLearningClaim.person",
        "programmes.PanelMember.user",
    ),
)
def collect_programmes(person: Person) -> Section:
    """Applications and everything hanging from them, prior learning, panel memberships."""
    files: list[ArchiveFile] = []
    applications = []
    for application in (
        Application.objects.filter(person=person)
        .select_related("intake__version__programme", "endorsement", "funding", "bursary")
        .prefetch_related("statements__criterion", "state_changes", "offers", "appeals")
        .order_by("created_at", "pk")
    ):
        row = _fields(
            application,
            "state leadership_years wants_bursary gate_results submitted_at eligible "
            "shortlisted score rank explanation offered_at accepted_at created_at",
        )
        row["intake"] = application.intake.name
        row["programme"] = application.intake.version.programme.name
        row["statements"] = [
            {"criterion": s.criterion.title, "text": s.text, "updated_at": s.updated_at}
            for s in application.statements.all()
        ]
        row["state_changes"] = [
            _fields(change, "from_state to_state by_label at note")
            for change in application.state_changes.all()
        ]
        endorsement = getattr(application, "endorsement", None)
        row["endorsement"] = (
            _fields(endorsement, "state comment confirms_leadership_years requested_at decided_at")
            if endorsement
            else None
        )
        funding = getattr(application, "funding", None)
        row["funding"] = (
            _fields(funding, "state amount reference comment requested_at decided_at")
            if funding
            else None
        )
        bursary = getattr(application, "bursary", None)
        row["bursary"] = (
            _fields(
                bursary, "amount_requested reason state amount_awarded decision_note decided_at"
            )
            if bursary
            else None
        )
        row["offers"] = [
            _fields(offer, "state made_at deadline responded_at")
            for offer in application.offers.all()
        ]
        row["appeals"] = [
            _fields(appeal, "grounds lodged_at state outcome_reason decided_at")
            for appeal in application.appeals.all()
        ]
        applications.append(row)
    places = [
        {
            "intake": place.intake.name,
            **_fields(place, "created_at taken_up_at delivery_reference"),
        }
        for place in EnrolmentHandOff.objects.filter(person=person).select_related("intake")
    ]
    claims = []
    for claim in PriorLearningClaim.objects.filter(person=person).prefetch_related("decisions"):
        row = _fields(
            claim,
            "kind title provider completed_year description file_name content_type size sha256 "
            "state submitted_at",
        )
        if claim.stored_path:
            row["archive_path"] = _claim_path(claim)
            files.append(ArchiveFile(_claim_path(claim), claim.stored_path, claim.sha256))
        row["decisions"] = [
            _fields(decision, "outcome reasons decided_by_label decided_at")
            for decision in claim.decisions.all()
        ]
        claims.append(row)
    panels = [
        {"intake": member.panel.intake.name, **_fields(member, "role is_partner added_at")}
        for member in PanelMember.objects.filter(user__person=person).select_related(
            "panel__intake"
        )
    ]
    data = {
        "applications": applications,
        "places": places,
        "prior_learning": claims,
        "panels": panels,
    }
    return Section(data, files)


# The audit log -------------------------------------------------------------------------------


@collector(
    "audit",
    title="Audit events",
    description=(
        "Each recorded event about your staff record or account (including every time someone "
        "else opened your record, and why, where a reason was given), and what you did yourself."
    ),
    sources=(
        "core.AuditEvent: AuditEvent.objects.about('people.person', person.pk)",
        "core.AuditEvent: AuditEvent.objects.about('accounts.user', user.pk)",
        "core.AuditEvent: AuditEvent.objects.filter(actor=user)",
    ),
    covers=(),
)
def collect_audit(person: Person) -> Section:
    """Audit events about the person's record or account, and those they made."""
    about = list(AuditEvent.objects.about("people.person", person.pk))
    user = User.objects.filter(person=person).first()
    done: list[AuditEvent] = []
    if user is not None:
        about += list(AuditEvent.objects.about("accounts.user", user.pk))
        done = list(AuditEvent.objects.filter(actor=user))
    fields = "sequence occurred_at kind action actor_label target_type reason"
    return Section(
        {
            "about_you": [_fields(e, fields) for e in sorted(about, key=lambda e: e.sequence)],
            "by_you": [_fields(e, "sequence occurred_at kind action target_type") for e in done],
        }
    )
