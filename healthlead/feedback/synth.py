"""The 360 feedback stage of `manage.py synth`: two years of 360 cycles for about one member of
staff in 27, as the product's own actions would have left them (docs/synthetic-data.md, "360
feedback").

Each cycle is set up by its subject (whose sign-in account is made here), against a published
questionnaire of a shipped framework, with raters drawn from the line-management tree: the line
manager, peers (the subject's manager's other reports), direct reports, other colleagues in the
organisation, and patients and carers by printed card for some clinical subjects. Launched cycles
carry the group minimums that launching fixes; submitted responses are cut from their invitations
and keep the day only; link tokens and card codes exist only as hashes that no token or code was
ever made for; cycles that closed longer ago than the retention period have lost their raters'
names, addresses and unused cards. Closed cycles have the report frozen by
`report.assemble_report_data`, the function `report.build_report_data` uses, fed from the answers
held in memory rather than read back cycle by cycle; a test compares the two on trust-scale cycles.
Released cycles have the facilitator's debrief. Everything is loaded with the bulk writer (COPY on
PostgreSQL); national norms and reliability are refreshed at the end, as the nightly task would.
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Model
from django.utils import timezone

from healthlead.accounts.models import Role, RoleAssignment, User
from healthlead.core import audit
from healthlead.demo.synth.clearing import delete_rows
from healthlead.demo.synth.registry import SynthContext, SynthError, synth_stage
from healthlead.demo.synth.staff import GRADES, GROUPS, synthetic_people_sql
from healthlead.feedback import anonymity, norms, report
from healthlead.feedback.actions import ALL_OTHERS_MINIMUM, questionnaire_for
from healthlead.feedback.anonymity import (
    CommentInput,
    CycleData,
    DomainSpec,
    ElementSpec,
    GroupSpec,
    ItemSpec,
    RaterResponse,
)
from healthlead.feedback.models import (
    Answer,
    Comment,
    CycleGroupMinimum,
    CycleStateChange,
    Debrief,
    FeedbackCycle,
    ImportanceRating,
    InstrumentStatistic,
    Invitation,
    NormTable,
    Questionnaire,
    QuestionnaireItem,
    RaterGroup,
    Report,
    Response,
)
from healthlead.frameworks.models import Framework, FrameworkVersion
from healthlead.people.models import Organisation, Person

# How many cycles: 55,000 at England scale (1.5 million staff) over the two years before the
# as-of day, about 27,500 a year; the same rate per member of staff at every scale.
ENGLAND_CYCLES = 55_000
ENGLAND_STAFF = 1_500_000
CYCLES_PER_STAFF = ENGLAND_CYCLES / ENGLAND_STAFF
WINDOW_DAYS = 730
ANSWER_CEILING = 30_000_000  # answers at England scale, at most
REPEAT_SHARE = 0.08  # of cycles: a subject's second cycle, about a year after the first
# How likely each grade is to be a subject, relative to band 6 (leadership 360s go mostly to
# people who lead): senior grades four times, band 7 and registrars 2.5 times...
SUBJECT_WEIGHT = {
    **dict.fromkeys(["band_1", "band_2", "band_3", "band_4", "fy1", "fy2", "student"], 0.15),
    "band_5": 0.6,
    **dict.fromkeys(["band_6", "ct1", "ct2", "ct3", "st1", "st2"], 1.0),
    **dict.fromkeys(["band_7", "specialty_doctor", "st3", "st4", "st5", "st6", "st7", "st8"], 2.5),
    **dict.fromkeys(["band_8a", "band_8b", "band_8c", "band_8d", "band_9", "consultant"], 4.0),
    "vsm": 4.0,
}
# Which questionnaire (by framework code) a subject's cycle uses.
QUESTIONNAIRE_MIX = {
    "doctors": {"MLCF2010": 0.5, "HLM2013": 0.3, "FMLM2021": 0.2},
    "everyone else": {"HLM2013": 0.9, "LF2011": 0.1},
}
FALLBACK_FRAMEWORK = "HLM2013"
ABANDONED_SHARE = 0.02  # cycles set up and never launched
FACILITATED_SHARE = 0.45  # cycles with a facilitator, who debriefs and releases the report
NOT_DEBRIEFED_SHARE = 0.05  # of facilitated cycles: the debrief never recorded
CLOSED_EARLY_SHARE = 0.2  # closed by the subject before the deadline; the rest close after it
STAFF_PER_FACILITATOR = 2_500
FACILITATOR_GRADES = {"band_7", "band_8a", "band_8b"}
# Raters: how many are invited (inclusive ranges) and the share who send their answers.
PEERS_INVITED = (5, 8)
DIRECT_REPORTS_INVITED = (3, 7)
OTHERS_SHARE = 0.75  # of cycles invite other colleagues
OTHERS_INVITED = (2, 5)
CARDS_SHARE = 0.35  # of clinical subjects' cycles print patient and carer cards
CARDS_PRINTED = (6, 15)
RESPONSE_RATE = {
    "self": 0.95,
    "line_manager": 0.9,
    "peers": 0.8,
    "direct_reports": 0.8,
    "other_colleagues": 0.75,
    "patients_carers": 0.4,
}
WITHDRAWN_SHARE = 0.02  # of emailed invitations
STARTED_SHARE = 0.35  # of raters who have not sent: they opened the form and saved a draft
CLINICAL_GROUPS = {"doctors", "nurses", "midwives", "ambulance", "scientific", "support_clinical"}
# Ratings: a subject's level, each rater's leniency and a per-domain part of both, so ratings
# agree within a rater and within a subject; item noise is set per domain size so Cronbach's
# alpha comes out near ALPHA_TARGET.
MEAN_RATING = 3.85
SUBJECT_SD = 0.35
SUBJECT_DOMAIN_SD = 0.25
RATER_SD = {"self": 0.6, "patients_carers": 0.5}
RATER_SD_DEFAULT = 0.45
RATER_DOMAIN_SD = 0.2
ITEM_SD = 0.25  # how much easier or harder items are than one another
GROUP_OFFSET = {"self": 0.1, "line_manager": -0.05, "direct_reports": 0.1, "patients_carers": 0.3}
ALPHA_TARGET = 0.84
NOT_OBSERVED_SHARE = {
    "self": 0.01,
    "line_manager": 0.04,
    "peers": 0.05,
    "direct_reports": 0.07,
    "other_colleagues": 0.1,
    "patients_carers": 0.18,
}
IMPORTANCE_SHARE = 0.85  # of domains in a response
IMPORTANCE_MEAN, IMPORTANCE_SD = 4.1, 0.7
STRENGTH_SHARE = 0.35  # of responses with a strength comment (on one domain)
SUGGESTION_SHARE = 0.25
STRENGTHS = [
    "Always makes time to listen, even on the busiest days.",
    "Explains the reasons behind decisions so the team can follow them.",
    "Brings patients' views into every discussion about the service.",
    "Stays calm under pressure and helps others to do the same.",
    "Gives clear, kind feedback that helps people improve.",
    "Builds good links with other teams and services.",
    "Encourages new ideas and lets people try them.",
    "Is honest about problems and raises concerns early.",
]
SUGGESTIONS = [
    "Could delegate more, to give others room to grow.",
    "Share the wider plan earlier so the team can prepare.",
    "Take more time to recognise the team's successes.",
    "Involve the quieter members of the team in decisions.",
    "Set clearer priorities when demands compete.",
    "Follow up the actions agreed in meetings more consistently.",
    "Look after their own wellbeing as well as everyone else's.",
    "Be more visible in the service day to day.",
]
PATIENT_STRENGTHS = [
    "Explained everything clearly and kindly.",
    "Listened to what mattered to me and my family.",
    "Made sure the whole team knew what was happening with my care.",
]
PATIENT_SUGGESTIONS = [
    "Tell us why when clinics run late.",
    "More written information to take home would help.",
]
DEBRIEF_NOTES = "Debrief held; development goals agreed for the personal development plan."
CLOSED_AFTER_DEADLINE = ("system:send_feedback_reminders", "Closed after the deadline")
GROUP_CODES = [
    "self",
    "line_manager",
    "peers",
    "direct_reports",
    "other_colleagues",
    "patients_carers",
]
SELF, MANAGER, PEERS, REPORTS, OTHERS, PATIENTS = range(6)

USER_COLUMNS = [
    "id",
    "password",
    "last_login",
    "is_superuser",
    "username",
    "first_name",
    "last_name",
    "is_staff",
    "is_active",
    "date_joined",
    "email",
    "person_id",
    "partner_id",
]
ROLE_COLUMNS = [
    "id",
    "user_id",
    "role",
    "organisation_id",
    "region_id",
    "created_at",
    "created_by_id",
    "ended_at",
]
CYCLE_COLUMNS = [
    "id",
    "subject_id",
    "questionnaire_id",
    "started_by_id",
    "facilitator_id",
    "deadline",
    "state",
    "all_others_minimum",
    "launched_at",
    "closed_at",
    "released_at",
    "created_at",
]
MINIMUM_COLUMNS = ["id", "cycle_id", "group_id", "minimum"]
CHANGE_COLUMNS = ["id", "cycle_id", "from_state", "to_state", "by_id", "by_label", "at", "note"]
INVITATION_COLUMNS = [
    "id",
    "cycle_id",
    "group_id",
    "channel",
    "email",
    "name",
    "token_hash",
    "card_code_hash",
    "state",
    "created_at",
    "sent_at",
    "last_reminded_at",
    "reminders_sent",
    "submitted_at",
    "withdrawn_at",
]
RESPONSE_COLUMNS = [
    "id",
    "cycle_id",
    "group_id",
    "invitation_id",
    "state",
    "submitted_on",
    "ratings",
    "updated_at",
]
ANSWER_COLUMNS = ["id", "response_id", "item_id", "rating"]
IMPORTANCE_COLUMNS = ["id", "response_id", "domain_id", "rating"]
COMMENT_COLUMNS = [
    "id",
    "response_id",
    "domain_id",
    "kind",
    "text",
    "redacted_at",
    "redacted_by_id",
    "redaction_reason",
]
REPORT_COLUMNS = [
    "id",
    "cycle_id",
    "data",
    "rule_version",
    "staff_group",
    "career_stage",
    "norm_inputs",
    "created_at",
]
DEBRIEF_COLUMNS = ["id", "cycle_id", "facilitator_id", "held_on", "notes", "recorded_at"]

State = FeedbackCycle.State


# What the stage plans before it writes ---------------------------------------------------------


@dataclass
class Instrument:
    """A published questionnaire as the report builder sees it, with the shape of its items."""

    questionnaire: Questionnaire
    label: str  # str(framework version), as frozen reports name it
    items: list[ItemSpec]
    elements: list[ElementSpec]
    domains: list[DomainSpec]
    item_domain: np.ndarray  # each item's domain, as an index into `domains`
    domain_items: list[int]  # how many items each domain has (items run domain by domain)
    difficulty: np.ndarray  # each item's offset from the mean rating
    noise: np.ndarray  # each item's own noise (sd), set by its domain's size

    @property
    def item_ids(self) -> list[int]:
        return [item.id for item in self.items]


@dataclass(slots=True)
class PlannedInvitation:
    group: int  # index into GROUP_CODES
    channel: str
    person: int  # staff index, -1 for the cards
    state: str
    created: dt.datetime
    sent: dt.datetime | None = None
    reminded: dt.datetime | None = None
    reminders: int = 0
    submitted: dt.date | None = None
    withdrawn: dt.datetime | None = None
    token_hash: str | None = None
    card_hash: str | None = None


@dataclass(slots=True)
class PlannedResponse:
    group: int
    invitation: int  # index into the cycle's invitations (kept only while a draft)
    submitted: bool
    day: dt.date
    updated: dt.datetime
    ratings: bytes  # every item, 0 for not observed
    answered: int  # items answered (all of them once submitted)
    importance: bytes  # per domain, 0 for none given
    comments: tuple[tuple[int, str, str], ...] = ()  # domain index, kind, text
    first_comment_id: int = 0


@dataclass(slots=True)
class PlannedCycle:
    subject: int  # staff index
    instrument: Instrument
    created: dt.datetime
    deadline: dt.date
    state: str
    facilitator: int = -1  # staff index
    launched: dt.datetime | None = None
    closed: dt.datetime | None = None
    closed_by_subject: bool = False
    debrief: dt.date | None = None
    released: dt.datetime | None = None
    retention_applied: bool = False
    invitations: list[PlannedInvitation] = field(default_factory=list)
    responses: list[PlannedResponse] = field(default_factory=list)
    id: int = 0
    first_invitation_id: int = 0
    first_response_id: int = 0


def _moment(day: dt.date, rng: random.Random, start: int = 8, end: int = 18) -> dt.datetime:
    """A working-hours moment on a day (UTC)."""
    minutes = rng.randrange(start * 60, end * 60)
    return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=dt.UTC)


def _start_of_day(day: dt.date) -> dt.datetime:
    """As submit_response stores an invitation's submission: the day, not the time."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def report_rng(seed: int, cycle_id: int) -> random.Random:
    """The random stream that orders one cycle's comments in its frozen report: the stream
    ctx.rng("feedback", "report", id) would give, so a test can draw it again."""
    return random.Random(f"{seed}:feedback:report:{cycle_id}")  # noqa: S311 (synthetic data)


def group_specs(groups: Sequence[RaterGroup]) -> list[GroupSpec]:
    """Every rater group with the minimum launching fixes, as report.group_specs reads them."""
    return [
        GroupSpec(
            code=g.code,
            name=g.name,
            minimum=g.default_minimum,
            anonymous=g.anonymous and not g.is_self,
            is_self=g.is_self,
            order=g.order,
        )
        for g in sorted(groups, key=lambda g: g.order)
    ]


def instrument_for(questionnaire: Questionnaire, rng: random.Random) -> Instrument:
    """The items, elements and domains of a questionnaire, in the shapes report.cycle_data
    makes of them."""
    items = list(
        QuestionnaireItem.objects.filter(questionnaire=questionnaire)
        .select_related("element__domain")
        .order_by("order")
    )
    if not items:
        raise SynthError(f"{questionnaire} has no items, so no cycle can use it.")
    elements = {i.element_id: i.element for i in items}
    domains = {e.domain_id: e.domain for e in elements.values()}
    domain_index = {pk: n for n, pk in enumerate(domains)}
    item_domain = np.array([domain_index[i.element.domain_id] for i in items], dtype=np.int64)
    if np.any(np.diff(item_domain) < 0):
        raise SynthError(f"{questionnaire} does not list its items domain by domain.")
    sizes = np.bincount(item_domain, minlength=len(domains))
    # Item noise for a domain of k items: alpha = k r / (1 + (k - 1) r), where r is the share
    # of an item's variance that the rater and subject parts explain; rounding adds 1/12.
    shared = SUBJECT_SD**2 + SUBJECT_DOMAIN_SD**2 + RATER_SD_DEFAULT**2 + RATER_DOMAIN_SD**2
    noise = []
    for k in sizes.tolist():
        r = ALPHA_TARGET / (k - (k - 1) * ALPHA_TARGET) if k > 1 else 0.5
        noise.append(math.sqrt(max(0.05, shared * (1 - r) / r - 1 / 12)))
    version = questionnaire.framework_version
    return Instrument(
        questionnaire=questionnaire,
        label=str(version),
        items=[ItemSpec(i.pk, i.element_id, i.text, i.order) for i in items],
        elements=[
            ElementSpec(e.pk, e.domain_id, e.code, e.name, e.order) for e in elements.values()
        ],
        domains=[DomainSpec(d.pk, d.code, d.name, d.order) for d in domains.values()],
        item_domain=item_domain,
        domain_items=sizes.tolist(),
        difficulty=np.array([rng.gauss(0, ITEM_SD) for _ in items]),
        noise=np.array(noise)[item_domain],
    )


def _instruments(ctx: SynthContext) -> dict[str, Instrument]:
    """The newest published questionnaire of each framework the mix names (made and published
    on demand, as starting a cycle does)."""
    from healthlead.frameworks import actions as framework_actions

    if not Framework.objects.exists():
        framework_actions.load_frameworks(by=ctx.by)
    wanted = {code for mix in QUESTIONNAIRE_MIX.values() for code in mix}
    versions: dict[str, FrameworkVersion] = {}
    for version in (
        FrameworkVersion.objects.published()
        .filter(framework__code__in=wanted)
        .select_related("framework")
        .order_by("framework__code", "-published_at", "-pk")
    ):
        versions.setdefault(version.framework.code, version)
    if FALLBACK_FRAMEWORK not in versions:
        raise SynthError(
            "The Healthcare Leadership Model is not loaded, so no 360 cycles can be made. "
            "Run manage.py load_frameworks first."
        )
    rng = ctx.rng("feedback", "items")
    return {
        code: instrument_for(questionnaire_for(framework_version=version, by=ctx.by), rng)
        for code, version in sorted(versions.items())
    }


class Planner:
    """Decides every cycle, invitation and response of the run, in memory."""

    def __init__(self, ctx: SynthContext, instruments: dict[str, Instrument]) -> None:
        self.ctx = ctx
        self.staff = ctx.require_staff()
        self.rng = ctx.rng("feedback")
        self.hashes = ctx.rng("feedback", "hashes")
        self.ratings_rng = np.random.default_rng(ctx.rng("feedback", "ratings").getrandbits(128))
        self.instruments = instruments
        self.as_of = ctx.as_of
        self.retention_cutoff = dt.datetime.combine(
            ctx.as_of, dt.time(23, 59), tzinfo=dt.UTC
        ) - dt.timedelta(days=settings.RETENTION_RATER_INVITATION_DAYS)
        staff = self.staff
        ids = staff.ids
        self.first_id = ids[0] if len(ids) else 0
        self.contiguous = len(ids) == 0 or ids[-1] - ids[0] + 1 == len(ids)
        self.index_of = {} if self.contiguous else {pk: i for i, pk in enumerate(ids)}
        self.children: dict[int, list[int]] = {}
        for i in range(len(staff)):
            manager = staff.manager[i]
            if manager:
                self.children.setdefault(self.index(manager), []).append(i)
        # Staff of each organisation are one run of indexes.
        self.org_starts = [bisect.bisect_left(staff.organisation, n) for n in range(len(ctx.plan))]
        self.org_ends = [bisect.bisect_right(staff.organisation, n) for n in range(len(ctx.plan))]
        self.facilitators_by_org: dict[int, list[int]] = {}

    def index(self, person_id: int) -> int:
        return person_id - self.first_id if self.contiguous else self.index_of[person_id]

    # Who -----------------------------------------------------------------------------------

    def facilitators(self) -> dict[int, list[int]]:
        """A few staff in each organisation (organisational development, band 7 to 8b) who
        hold the facilitator role: one per STAFF_PER_FACILITATOR staff, at least one."""
        staff, rng = self.staff, self.rng
        grades = {GRADES.index(g) for g in FACILITATOR_GRADES}
        central = GROUPS.index("central")
        out: dict[int, list[int]] = {}
        for org in range(len(self.ctx.plan)):
            people = range(self.org_starts[org], self.org_ends[org])
            if not people:
                continue
            pool = [i for i in people if staff.grade[i] in grades and staff.group[i] == central]
            pool = pool or [i for i in people if staff.grade[i] in grades and staff.manager[i]]
            wanted = min(len(pool), max(1, round(len(people) / STAFF_PER_FACILITATOR)))
            if wanted:
                out[org] = sorted(rng.sample(pool, wanted))
        return out

    def subjects(self, count: int) -> list[int]:
        """`count` distinct staff with a line manager, drawn with the grade weights
        (weighted sampling without replacement, by the largest u ** (1 / weight))."""
        staff, rng = self.staff, self.rng
        weights = [SUBJECT_WEIGHT.get(g, 1.0) for g in GRADES]
        keyed = (
            (rng.random() ** (1.0 / weights[staff.grade[i]]), i)
            for i in range(len(staff))
            if staff.manager[i]
        )
        return sorted(i for _, i in heapq.nlargest(count, keyed))

    def cycle_starts(self) -> list[tuple[dt.datetime, int, str]]:
        """(created, subject, framework code) for every cycle of the run, oldest first."""
        staff, rng = self.staff, self.rng
        total = round(len(staff) * CYCLES_PER_STAFF)
        repeats = round(total * REPEAT_SHARE)
        subjects = self.subjects(total - repeats)
        doctors = GROUPS.index("doctors")
        starts = []
        repeaters = set(rng.sample(range(len(subjects)), min(repeats, len(subjects))))
        for n, i in enumerate(subjects):
            mix = QUESTIONNAIRE_MIX["doctors" if staff.group[i] == doctors else "everyone else"]
            codes = [c if c in self.instruments else FALLBACK_FRAMEWORK for c in mix]
            code = rng.choices(codes, weights=list(mix.values()))[0]
            if n in repeaters:
                first = self.as_of - dt.timedelta(days=rng.randrange(400, WINDOW_DAYS))
                second = first + dt.timedelta(days=rng.randrange(300, 400))
                starts.append((_moment(first, rng), i, code))
                starts.append((_moment(second, rng), i, code))
            else:
                day = self.as_of - dt.timedelta(days=rng.randrange(WINDOW_DAYS))
                starts.append((_moment(day, rng), i, code))
        starts.sort()
        return starts

    # When --------------------------------------------------------------------------------------

    def cycle(
        self, created: dt.datetime, subject: int, code: str, facilitators: list[int]
    ) -> PlannedCycle:
        rng = self.rng
        launch_day = created.date() + dt.timedelta(days=rng.randrange(0, 8))
        deadline = launch_day + dt.timedelta(days=rng.randrange(21, 36))
        cycle = PlannedCycle(
            subject=subject,
            instrument=self.instruments[code],
            created=created,
            deadline=deadline,
            state=State.DRAFT,
        )
        others = [f for f in facilitators if f != subject]
        if others and rng.random() < FACILITATED_SHARE:
            cycle.facilitator = rng.choice(others)
        abandoned = rng.random() < ABANDONED_SHARE
        if abandoned or launch_day > self.as_of:
            self.invite(cycle, launched=False)
            return cycle
        launched = _moment(launch_day, rng)
        cycle.launched = max(launched, created + dt.timedelta(minutes=20))
        if rng.random() < CLOSED_EARLY_SHARE:
            close_day = deadline - dt.timedelta(days=rng.randrange(1, 8))
            cycle.closed = _moment(close_day, rng, 10, 18)
            cycle.closed_by_subject = True
        else:
            cycle.closed = dt.datetime.combine(
                deadline + dt.timedelta(days=1), dt.time(2, rng.randrange(60)), tzinfo=dt.UTC
            )
        if cycle.closed.date() > self.as_of:
            cycle.closed = None
            cycle.closed_by_subject = False
            cycle.state = State.OPEN
        else:
            cycle.state = State.CLOSED
            cycle.retention_applied = cycle.closed < self.retention_cutoff
            if cycle.facilitator >= 0 and rng.random() >= NOT_DEBRIEFED_SHARE:
                held = cycle.closed.date() + dt.timedelta(days=rng.randrange(5, 41))
                if held <= self.as_of:
                    cycle.debrief = held
                    cycle.released = _moment(held, rng, 13, 18)
                    cycle.state = State.RELEASED
        self.invite(cycle, launched=True)
        return cycle

    # Raters ------------------------------------------------------------------------------------

    def raters(self, subject: int) -> list[tuple[int, int]]:
        """(group, staff index) of everyone the subject asks by email."""
        staff, rng = self.staff, self.rng
        manager = self.index(staff.manager[subject])
        chosen = [(MANAGER, manager)]
        taken = {subject, manager}
        peers = [p for p in self.children.get(manager, []) if p != subject]
        for p in rng.sample(peers, min(len(peers), rng.randint(*PEERS_INVITED))):
            chosen.append((PEERS, p))
            taken.add(p)
        reports = self.children.get(subject, [])
        if reports:
            for p in rng.sample(reports, min(len(reports), rng.randint(*DIRECT_REPORTS_INVITED))):
                chosen.append((REPORTS, p))
                taken.add(p)
        if rng.random() < OTHERS_SHARE:
            org = staff.organisation[subject]
            start, end = self.org_starts[org], self.org_ends[org]
            wanted = min(rng.randint(*OTHERS_INVITED), end - start - len(taken))
            tries = 0
            while wanted > 0 and tries < 50:
                tries += 1
                p = rng.randrange(start, end)
                if p not in taken:
                    chosen.append((OTHERS, p))
                    taken.add(p)
                    wanted -= 1
        return chosen

    def _token(self) -> str:
        """A stored hash that no token was ever made for: nobody holds a working link."""
        return f"{self.hashes.getrandbits(256):064x}"

    def invite(self, cycle: PlannedCycle, *, launched: bool) -> None:
        """The cycle's invitations, who answered and when, and their responses."""
        rng = self.rng
        created = cycle.created
        invitations = cycle.invitations
        invitations.append(
            PlannedInvitation(
                SELF, Invitation.Channel.SELF, cycle.subject, Invitation.State.INVITED, created
            )
        )
        invitations[0].token_hash = self._token()
        if not launched and rng.random() < 0.5:
            return  # set up, nobody invited yet
        setup_end = cycle.launched or min(
            created + dt.timedelta(days=rng.randrange(0, 8)),
            dt.datetime.combine(self.as_of, dt.time(18), tzinfo=dt.UTC),
        )
        span = max(1, int((setup_end - created).total_seconds() // 60))
        for group, person in self.raters(cycle.subject):
            at = created + dt.timedelta(minutes=rng.randrange(span))
            invitation = PlannedInvitation(
                group, Invitation.Channel.EMAIL, person, Invitation.State.INVITED, at
            )
            invitation.token_hash = self._token()
            invitations.append(invitation)
        group = GROUPS[self.staff.group[cycle.subject]]
        if cycle.launched and group in CLINICAL_GROUPS and rng.random() < CARDS_SHARE:
            printed = cycle.launched - dt.timedelta(minutes=rng.randrange(5, 120))
            for _ in range(rng.randint(*CARDS_PRINTED)):
                card = PlannedInvitation(
                    PATIENTS, Invitation.Channel.CARD, -1, Invitation.State.INVITED, printed
                )
                card.sent = printed
                card.card_hash = self._token()
                invitations.append(card)
        if not launched:
            return
        self.answer(cycle)

    def answer(self, cycle: PlannedCycle) -> None:
        """Who sent answers (and when), who saved a draft, reminders and withdrawals."""
        rng = self.rng
        launched = cycle.launched
        assert launched is not None
        last_day = cycle.closed.date() if cycle.closed else cycle.deadline
        span = (last_day - launched.date()).days
        answering: list[tuple[dt.date, int, bool]] = []  # first save, invitation, submitted
        for n, invitation in enumerate(cycle.invitations):
            if invitation.channel == Invitation.Channel.EMAIL:
                invitation.sent = launched + dt.timedelta(seconds=rng.randrange(30, 600))
                if rng.random() < WITHDRAWN_SHARE:
                    day = launched.date() + dt.timedelta(days=rng.randrange(max(1, span)))
                    if day <= self.as_of:
                        invitation.state = Invitation.State.WITHDRAWN
                        invitation.withdrawn = _moment(day, rng)
                        self.remind(cycle, invitation, before=day)
                        continue
            code = GROUP_CODES[invitation.group]
            day = launched.date() + dt.timedelta(days=rng.randrange(span + 1))
            responds = rng.random() < RESPONSE_RATE[code]
            if responds and day <= self.as_of:
                invitation.state = Invitation.State.SUBMITTED
                invitation.submitted = day
                answering.append((day, n, True))
                self.remind(cycle, invitation, before=day)
                continue
            if invitation.channel != Invitation.Channel.SELF:
                self.remind(cycle, invitation, before=last_day + dt.timedelta(days=1))
            if rng.random() < STARTED_SHARE and (
                invitation.channel != Invitation.Channel.CARD or cycle.closed is None
            ):
                invitation.state = Invitation.State.STARTED
                if cycle.closed is None:  # drafts are deleted when a cycle closes
                    day = min(day, self.as_of)
                    answering.append((day, n, False))
        answering.sort()
        parts = self.subject_parts(cycle.instrument)
        cycle.responses = [self.response(cycle, parts, n, day, sent) for day, n, sent in answering]
        if cycle.retention_applied:
            # Retention removed the unused cards (names and addresses are cleared when the
            # rows are written). Only drafts point at invitations, and a closed cycle has none.
            cycle.invitations = [
                inv
                for inv in cycle.invitations
                if inv.channel != Invitation.Channel.CARD or inv.state != Invitation.State.INVITED
            ]
        for invitation in cycle.invitations:
            if (
                invitation.channel == Invitation.Channel.CARD
                and invitation.state != Invitation.State.INVITED
            ):
                invitation.token_hash = self._token()  # redeeming a card makes a link

    def remind(
        self, cycle: PlannedCycle, invitation: PlannedInvitation, *, before: dt.date
    ) -> None:
        """Reminders the daily job sent (7 and 2 days before the deadline) while unanswered."""
        if invitation.channel != Invitation.Channel.EMAIL:
            return
        end = min(before, cycle.closed.date() if cycle.closed else self.as_of + dt.timedelta(1))
        for window in (7, 2):
            day = cycle.deadline - dt.timedelta(days=window)
            if day < end and day <= self.as_of:
                invitation.reminders += 1
                invitation.reminded = dt.datetime.combine(day, dt.time(7, 30), tzinfo=dt.UTC)

    def response(
        self, cycle: PlannedCycle, parts: np.ndarray, n: int, day: dt.date, submitted: bool
    ) -> PlannedResponse:
        rng = self.rng
        instrument = cycle.instrument
        group = cycle.invitations[n].group
        code = GROUP_CODES[group]
        ratings = self.ratings(instrument, parts, code)
        domains = len(instrument.domains)
        done = domains if submitted else rng.randrange(1, max(2, domains))
        answered = sum(instrument.domain_items[:done])
        importance = bytes(
            max(1, min(5, round(rng.gauss(IMPORTANCE_MEAN, IMPORTANCE_SD))))
            if d < done and rng.random() < IMPORTANCE_SHARE
            else 0
            for d in range(domains)
        )
        response = PlannedResponse(
            group=group,
            invitation=n,
            submitted=submitted,
            day=day,
            updated=_moment(day, rng, 7, 22),
            ratings=ratings,
            answered=answered,
            importance=importance,
        )
        if submitted and group != SELF:
            patient = group == PATIENTS
            for kind, share, texts in (
                (
                    Comment.Kind.STRENGTH,
                    STRENGTH_SHARE,
                    PATIENT_STRENGTHS if patient else STRENGTHS,
                ),
                (
                    Comment.Kind.SUGGESTION,
                    SUGGESTION_SHARE,
                    PATIENT_SUGGESTIONS if patient else SUGGESTIONS,
                ),
            ):
                if rng.random() < share:
                    comment = (rng.randrange(domains), kind, rng.choice(texts))
                    response.comments = (*response.comments, comment)
        return response

    def subject_parts(self, instrument: Instrument) -> np.ndarray:
        """What every rater of one subject shares, item by item: the subject's level, their
        level in each domain, and each item's difficulty."""
        g = self.ratings_rng
        level = g.normal(0, SUBJECT_SD) + g.normal(0, SUBJECT_DOMAIN_SD, len(instrument.domains))
        return level[instrument.item_domain] + instrument.difficulty

    def ratings(self, instrument: Instrument, parts: np.ndarray, code: str) -> bytes:
        """One rater's ratings of every item (0: not observed), packed as Response.ratings
        stores them: the subject's parts, the rater's leniency overall and in each domain, and
        item noise."""
        g = self.ratings_rng
        lenient = g.normal(GROUP_OFFSET.get(code, 0.0), RATER_SD.get(code, RATER_SD_DEFAULT))
        own = g.normal(0, RATER_DOMAIN_SD, len(instrument.domains))[instrument.item_domain]
        noise = g.normal(0, instrument.noise)
        values = np.clip(np.rint(MEAN_RATING + parts + lenient + own + noise), 1, 5)
        unseen = g.random(len(values)) < NOT_OBSERVED_SHARE[code] * g.uniform(0.5, 1.5)
        values[unseen] = 0
        return norms.pack_ratings([int(v) or None for v in values.tolist()])


# Writing -------------------------------------------------------------------------------------


@dataclass
class PersonDetails:
    first_name: str
    last_name: str
    email: str
    occupation: str
    staff_group: str
    career_stage: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def _details(person_ids: Sequence[int]) -> dict[int, PersonDetails]:
    out: dict[int, PersonDetails] = {}
    ids = sorted(set(person_ids))
    for start in range(0, len(ids), 10_000):
        rows = Person.objects.filter(pk__in=ids[start : start + 10_000]).values_list(
            "id",
            "first_name",
            "last_name",
            "work_email",
            "occupation",
            "staff_group",
            "career_stage",
        )
        for pk, *values in rows:
            out[pk] = PersonDetails(*values)
    return out


class Loader:
    """Turns the planned cycles into rows, table by table, in the order foreign keys need."""

    def __init__(self, ctx: SynthContext, planner: Planner, cycles: list[PlannedCycle]) -> None:
        self.ctx = ctx
        self.planner = planner
        self.cycles = cycles
        self.staff = ctx.require_staff()
        self.rng = ctx.rng("feedback", "accounts")
        groups = {g.code: g for g in RaterGroup.objects.all()}
        missing = [code for code in GROUP_CODES if code not in groups]
        if missing:
            raise SynthError(
                f"The rater groups {', '.join(missing)} are missing: run the feedback migrations."
            )
        self.groups = [groups[code] for code in GROUP_CODES]
        self.all_groups = sorted(groups.values(), key=lambda g: g.order)
        self.specs = group_specs(self.all_groups)
        self.organisation_names = {n: p.name for n, p in enumerate(ctx.plan)}
        self.written = 0

    def write(
        self,
        model: Any,
        columns: list[str],
        rows: Iterator[tuple[Any, ...]],
        *,
        label: str,
        total: int,
    ) -> None:
        self.written += self.ctx.writer.write(model, columns, rows, label=label, total=total)

    def load(self) -> int:
        staff, cycles, writer = self.staff, self.cycles, self.ctx.writer
        # Identifiers, given up front so rows can point at each other.
        first = writer.next_ids(FeedbackCycle, len(cycles))
        invitation_id = writer.next_ids(Invitation, sum(len(c.invitations) for c in cycles))
        response_id = writer.next_ids(Response, sum(len(c.responses) for c in cycles))
        comment_id = writer.next_ids(
            Comment, sum(len(r.comments) for c in cycles for r in c.responses)
        )
        for n, cycle in enumerate(cycles):
            cycle.id = first + n
            cycle.first_invitation_id = invitation_id
            invitation_id += len(cycle.invitations)
            cycle.first_response_id = response_id
            response_id += len(cycle.responses)
            for response in cycle.responses:
                response.first_comment_id = comment_id
                comment_id += len(response.comments)
        # Who has an account: every subject (they set their cycles up) and every facilitator.
        holders = sorted(
            {c.subject for c in cycles}
            | {i for people in self.planner.facilitators_by_org.values() for i in people}
        )
        named = set(holders)
        for cycle in cycles:
            if not cycle.retention_applied:
                named.update(i.person for i in cycle.invitations if i.person >= 0)
        self.people = _details([staff.ids[i] for i in named])
        first_user = writer.next_ids(User, len(holders))
        self.user_of = {i: first_user + n for n, i in enumerate(holders)}
        self.write_accounts(holders)
        self.write_cycles()
        self.write_invitations()
        self.write_responses()
        self.write_reports()
        return self.written

    def person(self, index: int) -> PersonDetails:
        return self.people[self.staff.ids[index]]

    # Accounts ----------------------------------------------------------------------------------

    def write_accounts(self, holders: list[int]) -> None:
        rng, staff = self.rng, self.staff
        joined: dict[int, dt.datetime] = {}
        last_login: dict[int, dt.datetime] = {}
        for cycle in self.cycles:
            seen = cycle.closed if cycle.closed_by_subject and cycle.closed else cycle.created
            last_login[cycle.subject] = max(last_login.get(cycle.subject, seen), seen)
            joined.setdefault(cycle.subject, cycle.created)
            if cycle.released is not None:
                f = cycle.facilitator
                last_login[f] = max(last_login.get(f, cycle.released), cycle.released)
        facilitators = sorted(
            i for people in self.planner.facilitators_by_org.values() for i in people
        )
        since = dt.datetime.combine(
            self.ctx.as_of - dt.timedelta(days=WINDOW_DAYS + 30), dt.time(9), tzinfo=dt.UTC
        )
        for i in facilitators:
            joined[i] = min(joined.get(i, since), since)

        def user_rows() -> Iterator[tuple[Any, ...]]:
            for i in holders:
                person = self.person(i)
                first_use = joined[i]
                yield (
                    self.user_of[i],
                    f"!{rng.getrandbits(160):040x}",  # unusable, as set_unusable_password makes
                    last_login.get(i),
                    False,
                    person.email,
                    person.first_name,
                    person.last_name,
                    False,
                    True,
                    first_use
                    - dt.timedelta(days=rng.randrange(1, 400), minutes=rng.randrange(600)),
                    person.email,
                    staff.ids[i],
                    None,
                )

        self.write(User, USER_COLUMNS, user_rows(), label="360 accounts", total=len(holders))
        first_role = self.ctx.writer.next_ids(RoleAssignment, len(facilitators))
        plan = self.ctx.plan

        def role_rows() -> Iterator[tuple[Any, ...]]:
            for n, i in enumerate(facilitators):
                yield (
                    first_role + n,
                    self.user_of[i],
                    Role.FACILITATOR.value,
                    plan[staff.organisation[i]].org_id,
                    None,
                    joined[i],
                    None,
                    None,
                )

        self.write(
            RoleAssignment,
            ROLE_COLUMNS,
            role_rows(),
            label="360 facilitators",
            total=len(facilitators),
        )

    # Cycles ------------------------------------------------------------------------------------

    def write_cycles(self) -> None:
        cycles, staff, writer = self.cycles, self.staff, self.ctx.writer
        user_of = self.user_of

        def cycle_rows() -> Iterator[tuple[Any, ...]]:
            for c in cycles:
                yield (
                    c.id,
                    staff.ids[c.subject],
                    c.instrument.questionnaire.pk,
                    user_of[c.subject],
                    user_of[c.facilitator] if c.facilitator >= 0 else None,
                    c.deadline,
                    c.state,
                    ALL_OTHERS_MINIMUM,
                    c.launched,
                    c.closed,
                    c.released,
                    c.created,
                )

        self.write(
            FeedbackCycle, CYCLE_COLUMNS, cycle_rows(), label="360 cycles", total=len(cycles)
        )
        launched = [c for c in cycles if c.launched is not None]
        groups = self.all_groups
        first_minimum = writer.next_ids(CycleGroupMinimum, len(launched) * len(groups))

        def minimum_rows() -> Iterator[tuple[Any, ...]]:
            pk = first_minimum
            for c in launched:
                for group in groups:
                    yield (pk, c.id, group.pk, group.default_minimum)
                    pk += 1

        self.write(
            CycleGroupMinimum,
            MINIMUM_COLUMNS,
            minimum_rows(),
            label="360 group minimums",
            total=len(launched) * len(groups),
        )

        def changes(c: PlannedCycle) -> list[tuple[str, str, int | None, str, dt.datetime, str]]:
            subject = (user_of[c.subject], self.person(c.subject).email)
            out: list[tuple[str, str, int | None, str, dt.datetime, str]] = [
                ("", State.DRAFT, *subject, c.created, "Started")
            ]
            if c.launched is not None:
                out.append((State.DRAFT, State.OPEN, *subject, c.launched, "Launched"))
            if c.closed is not None:
                by = subject if c.closed_by_subject else (None, CLOSED_AFTER_DEADLINE[0])
                note = "Closed" if c.closed_by_subject else CLOSED_AFTER_DEADLINE[1]
                out.append((State.OPEN, State.CLOSED, *by, c.closed, note))
            if c.released is not None:
                facilitator = (user_of[c.facilitator], self.person(c.facilitator).email)
                out.append(
                    (State.CLOSED, State.RELEASED, *facilitator, c.released, "Debrief recorded")
                )
            return out

        total = sum(
            1 + (c.launched is not None) + (c.closed is not None) + (c.released is not None)
            for c in cycles
        )
        first_change = writer.next_ids(CycleStateChange, total)

        def change_rows() -> Iterator[tuple[Any, ...]]:
            pk = first_change
            for c in cycles:
                for change in changes(c):
                    yield (pk, c.id, *change)
                    pk += 1

        self.write(
            CycleStateChange, CHANGE_COLUMNS, change_rows(), label="360 state changes", total=total
        )

    def write_invitations(self) -> None:
        cycles = self.cycles
        group_ids = [g.pk for g in self.groups]

        def invitation_rows() -> Iterator[tuple[Any, ...]]:
            for c in cycles:
                for n, inv in enumerate(c.invitations):
                    email = name = ""
                    if not c.retention_applied and inv.person >= 0:
                        person = self.person(inv.person)
                        name = person.full_name
                        if inv.channel == Invitation.Channel.EMAIL:
                            email = person.email
                    yield (
                        c.first_invitation_id + n,
                        c.id,
                        group_ids[inv.group],
                        inv.channel,
                        email,
                        name,
                        inv.token_hash,
                        inv.card_hash,
                        inv.state,
                        inv.created,
                        inv.sent,
                        inv.reminded,
                        inv.reminders,
                        _start_of_day(inv.submitted) if inv.submitted else None,
                        inv.withdrawn,
                    )

        total = sum(len(c.invitations) for c in cycles)
        self.write(
            Invitation, INVITATION_COLUMNS, invitation_rows(), label="360 invitations", total=total
        )

    def write_responses(self) -> None:
        cycles, writer = self.cycles, self.ctx.writer
        group_ids = [g.pk for g in self.groups]
        responses = [(c, n, r) for c in cycles for n, r in enumerate(c.responses)]

        def response_rows() -> Iterator[tuple[Any, ...]]:
            for c, n, r in responses:
                yield (
                    c.first_response_id + n,
                    c.id,
                    group_ids[r.group],
                    None if r.submitted else c.first_invitation_id + r.invitation,
                    Response.State.SUBMITTED if r.submitted else Response.State.DRAFT,
                    r.day if r.submitted else None,
                    r.ratings if r.submitted else b"",
                    r.updated,
                )

        self.write(
            Response,
            RESPONSE_COLUMNS,
            response_rows(),
            label="360 responses",
            total=len(responses),
        )
        total = sum(r.answered for _, _, r in responses)
        first_answer = writer.next_ids(Answer, total)

        def answer_rows() -> Iterator[tuple[Any, ...]]:
            pk = first_answer
            for c, n, r in responses:
                response_id = c.first_response_id + n
                items = c.instrument.item_ids
                for k, rating in enumerate(r.ratings[: r.answered]):
                    yield (pk + k, response_id, items[k], rating or None)
                pk += r.answered

        self.write(Answer, ANSWER_COLUMNS, answer_rows(), label="360 answers", total=total)
        total = sum(1 for _, _, r in responses for v in r.importance if v)
        first_importance = writer.next_ids(ImportanceRating, total)

        def importance_rows() -> Iterator[tuple[Any, ...]]:
            pk = first_importance
            for c, n, r in responses:
                domains = c.instrument.domains
                for d, rating in enumerate(r.importance):
                    if rating:
                        yield (pk, c.first_response_id + n, domains[d].id, rating)
                        pk += 1

        self.write(
            ImportanceRating,
            IMPORTANCE_COLUMNS,
            importance_rows(),
            label="360 importance ratings",
            total=total,
        )

        def comment_rows() -> Iterator[tuple[Any, ...]]:
            for c, n, r in responses:
                domains = c.instrument.domains
                for k, (d, kind, text) in enumerate(r.comments):
                    yield (
                        r.first_comment_id + k,
                        c.first_response_id + n,
                        domains[d].id,
                        kind,
                        text,
                        None,
                        None,
                        "",
                    )

        total = sum(len(r.comments) for _, _, r in responses)
        self.write(Comment, COMMENT_COLUMNS, comment_rows(), label="360 comments", total=total)

    def rater_responses(self, c: PlannedCycle) -> list[RaterResponse]:
        """A closed cycle's submitted responses as report.cycle_data reads them."""
        instrument = c.instrument
        items = instrument.item_ids
        domains = [d.id for d in instrument.domains]
        out = []
        for r in c.responses:
            if not r.submitted:
                continue
            out.append(
                RaterResponse(
                    group_code=GROUP_CODES[r.group],
                    ratings={pk: (v or None) for pk, v in zip(items, r.ratings, strict=True)},
                    importance={domains[d]: v for d, v in enumerate(r.importance) if v},
                    comments=tuple(
                        CommentInput(
                            comment_id=r.first_comment_id + k,
                            domain_id=domains[d],
                            kind=kind,
                            text=text,
                            redacted=False,
                        )
                        for k, (d, kind, text) in enumerate(r.comments)
                    ),
                )
            )
        return out

    def write_reports(self) -> None:
        closed = [c for c in self.cycles if c.closed is not None]
        staff, plan = self.staff, self.ctx.plan
        with_norms = set(
            NormTable.objects.filter(
                questionnaire_id__in=[c.instrument.questionnaire.pk for c in closed]
            ).values_list("questionnaire_id", flat=True)
        )
        first_report = self.ctx.writer.next_ids(Report, len(closed))

        def report_rows() -> Iterator[tuple[Any, ...]]:
            for n, c in enumerate(closed):
                assert c.closed is not None
                person = self.person(c.subject)
                questionnaire = c.instrument.questionnaire
                data = report.assemble_report_data(
                    CycleData(
                        groups=self.specs,
                        domains=c.instrument.domains,
                        elements=c.instrument.elements,
                        items=c.instrument.items,
                        responses=self.rater_responses(c),
                        all_others_minimum=ALL_OTHERS_MINIMUM,
                    ),
                    subject=report.subject_summary(
                        name=f"{person.first_name} {person.last_name}",
                        occupation=person.occupation,
                        organisation=Organisation(
                            name=plan[staff.organisation[c.subject]].name
                        ).display_name,
                        staff_group=person.staff_group,
                        career_stage=person.career_stage,
                    ),
                    cycle={
                        "id": c.id,
                        "framework": c.instrument.label,
                        "questionnaire": str(questionnaire),
                        "questionnaire_id": questionnaire.pk,
                        "deadline": c.deadline.isoformat(),
                        "frozen_on": timezone.localdate(c.closed).isoformat(),
                        "has_facilitator": c.facilitator >= 0,
                    },
                    compare_norms=questionnaire.pk in with_norms,
                    rng=report_rng(self.ctx.seed, c.id),
                )
                norm = Report.norm_fields(data)
                yield (
                    first_report + n,
                    c.id,
                    data,
                    anonymity.RULE_VERSION,
                    norm["staff_group"],
                    norm["career_stage"],
                    norm["norm_inputs"],
                    c.closed,
                )

        self.write(Report, REPORT_COLUMNS, report_rows(), label="360 reports", total=len(closed))
        released = [c for c in closed if c.released is not None]
        first_debrief = self.ctx.writer.next_ids(Debrief, len(released))

        def debrief_rows() -> Iterator[tuple[Any, ...]]:
            for n, c in enumerate(released):
                yield (
                    first_debrief + n,
                    c.id,
                    self.user_of[c.facilitator],
                    c.debrief,
                    DEBRIEF_NOTES,
                    c.released,
                )

        self.write(
            Debrief, DEBRIEF_COLUMNS, debrief_rows(), label="360 debriefs", total=len(released)
        )


# The stage ---------------------------------------------------------------------------------------


def _cycles_sql() -> tuple[str, list[str]]:
    people, params = synthetic_people_sql()
    return f'SELECT id FROM "feedback_feedbackcycle" WHERE "subject_id" IN ({people})', params  # noqa: S608


def _accounts_sql() -> tuple[str, list[str]]:
    """The accounts this stage makes: synthetic staff signing in with their work address."""
    people, params = synthetic_people_sql()
    return (
        'SELECT u.id FROM "accounts_user" u JOIN "people_person" p ON p.id = u.person_id '  # noqa: S608
        f"WHERE u.person_id IN ({people}) AND u.email = p.work_email",
        params,
    )


def clear_feedback(ctx: SynthContext) -> int:
    """Remove the 360 cycles of synthetic staff with everything in them, their accounts, and
    the national norms and reliability figures made from them (refreshed after loading)."""
    cycles, params = _cycles_sql()
    responses = f'SELECT id FROM "feedback_response" WHERE "cycle_id" IN ({cycles})'  # noqa: S608
    removed = 0
    # Largest tables first, each on its own: a large delete drops the table's keys and indexes
    # until the end of the run, or empties it with TRUNCATE when every row goes.
    parts: list[tuple[type[Model], str, str]] = [
        (Answer, "response_id", responses),
        (ImportanceRating, "response_id", responses),
        (Comment, "response_id", responses),
        (Response, "cycle_id", cycles),
        (Invitation, "cycle_id", cycles),
        (CycleStateChange, "cycle_id", cycles),
        (CycleGroupMinimum, "cycle_id", cycles),
        (Report, "cycle_id", cycles),
        (Debrief, "cycle_id", cycles),
    ]
    for model, column, parents in parts:
        table = model._meta.db_table
        sql = f'SELECT id FROM "{table}" WHERE "{column}" IN ({parents})'  # noqa: S608
        removed += delete_rows(model, sql, params, writer=ctx.writer)
    removed += delete_rows(FeedbackCycle, cycles, params, writer=ctx.writer)
    accounts, params = _accounts_sql()
    roles = f'SELECT id FROM "accounts_roleassignment" WHERE "user_id" IN ({accounts})'  # noqa: S608
    removed += delete_rows(RoleAssignment, roles, params, writer=ctx.writer)
    removed += delete_rows(User, accounts, params, writer=ctx.writer)
    removed += NormTable.objects.all().delete()[0]
    removed += InstrumentStatistic.objects.all().delete()[0]
    return removed


def refresh_feedback_figures(ctx: SynthContext) -> None:
    """National norms and instrument reliability over the loaded cycles. Runs after the bulk
    load has put back its indexes and analysed the tables: on bare tables with no statistics
    the planner joins 600,000 England responses to their group minimums row by row."""
    rows = norms.refresh_norms(by=ctx.by) + norms.refresh_instrument_statistics(by=ctx.by)
    ctx.rows["feedback"] = ctx.rows.get("feedback", 0) + rows


@synth_stage("feedback", order=500, clear=clear_feedback, after=refresh_feedback_figures)
def load_feedback(ctx: SynthContext) -> int:
    """360 cycles with raters, answers, frozen reports and debriefs for about 1 in 27 staff."""
    instruments = _instruments(ctx)
    planner = Planner(ctx, instruments)
    planner.facilitators_by_org = planner.facilitators()
    cycles = [
        planner.cycle(created, subject, code, planner.facilitators_by_org.get(org, []))
        for created, subject, code in planner.cycle_starts()
        for org in [planner.staff.organisation[subject]]
    ]
    written = Loader(ctx, planner, cycles).load()
    states: dict[str, int] = {}
    for cycle in cycles:
        states[cycle.state] = states.get(cycle.state, 0) + 1
    audit.record(
        "demo.synth.feedback_loaded",
        by=ctx.by,
        detail={"cycles": len(cycles), "states": states, "rows": written},
    )
    return written
