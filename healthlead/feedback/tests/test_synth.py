"""Synthetic 360 feedback at trust scale: deterministic, in proportion, and as the product
would have written it (reports from the report builder, ratings packed like submission)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import transaction

from healthlead.accounts.models import Role, RoleAssignment, User
from healthlead.demo.synth import facts, writer
from healthlead.demo.synth.progress import Progress
from healthlead.demo.synth.registry import SynthContext
from healthlead.demo.synth.run import REFERENCE_DATE, SynthReport
from healthlead.demo.synth.writer import BulkWriter
from healthlead.demo.tests.synth_support import synthesise_in_test
from healthlead.feedback import norms
from healthlead.feedback import synth as feedback_synth
from healthlead.feedback.models import (
    Answer,
    Comment,
    CycleGroupMinimum,
    CycleStateChange,
    Debrief,
    FeedbackCycle,
    ImportanceRating,
    Invitation,
    NormTable,
    QuestionnaireItem,
    Report,
    Response,
)
from healthlead.feedback.report import build_report_data

pytestmark = pytest.mark.django_db  # each test runs in a savepoint of the module's run

SEED = 5
STAFF = 3_000  # a smaller trust, as the programmes tests use: every proportion still shows
TABLES = [
    FeedbackCycle,
    CycleGroupMinimum,
    CycleStateChange,
    Invitation,
    Response,
    Answer,
    ImportanceRating,
    Comment,
    Report,
    Debrief,
]
# Columns that take the time of the run rather than the seed (bulk_create sets them on SQLite).
NOW_COLUMNS = {"created_at", "updated_at", "at", "recorded_at"}
LONDON = ZoneInfo("Europe/London")


def _run(replace: bool = False) -> SynthReport:
    return synthesise_in_test(scale="trust", seed=SEED, replace=replace, stdout=io.StringIO())


@pytest.fixture(scope="module")
def trust(django_db_setup: None, django_db_blocker: Any) -> Iterator[SynthReport]:
    """One run shared by the tests of this module, rolled back at the end. Tests that change
    anything do it inside a savepoint of their own."""
    with (
        pytest.MonkeyPatch.context() as patch,
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        patch.setattr(facts, "TRUST_SCALE_STAFF", STAFF)
        report = _run()
        yield report
        transaction.set_rollback(True)


def _snapshot() -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    for model in [*TABLES, User]:
        names = [
            f.attname
            for f in model._meta.concrete_fields
            if f.attname not in NOW_COLUMNS and f.attname != "last_login"
        ]
        rows = model._default_manager.order_by("pk").values_list(*names)
        if model is User:
            rows = rows.filter(person__staff_number__startswith="SY")
        out[model._meta.db_table] = [
            tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in rows
        ]
    return out


def _closed() -> Any:
    return FeedbackCycle.objects.filter(state__in=norms.CLOSED_STATES)


def test_the_same_seed_gives_the_same_rows_and_running_again_replaces_them(trust):
    first = _snapshot()
    assert len(first["feedback_answer"]) > 20_000
    with transaction.atomic():
        again = _run(replace=True)
        assert _snapshot() == first
        assert again.rows["feedback"] == trust.rows["feedback"]
        transaction.set_rollback(True)


def test_cycles_are_in_the_documented_proportions(trust):
    cycles = FeedbackCycle.objects.count()
    assert cycles == round(STAFF * feedback_synth.CYCLES_PER_STAFF)
    states = Counter(FeedbackCycle.objects.values_list("state", flat=True))
    assert (states["closed"] + states["released"]) / cycles >= 0.85
    assert 0.02 <= states["open"] / cycles <= 0.12
    assert 1 <= states["draft"] <= 0.05 * cycles
    facilitated = FeedbackCycle.objects.exclude(facilitator=None)
    assert 0.3 <= facilitated.count() / cycles <= 0.6
    assert set(facilitated.values_list("state", flat=True)) >= {"released", "closed"}
    assert not FeedbackCycle.objects.filter(facilitator=None, state="released").exists()
    subjects = Counter(FeedbackCycle.objects.values_list("subject_id", flat=True))
    assert 0 < sum(1 for n in subjects.values() if n == 2) <= 0.12 * cycles
    frameworks = Counter(
        FeedbackCycle.objects.values_list(
            "questionnaire__framework_version__framework__code", flat=True
        )
    )
    assert frameworks.most_common(1)[0][0] == "HLM2013"
    assert set(frameworks) == {"HLM2013", "MLCF2010", "LF2011", "FMLM2021"}


def test_about_twelve_raters_answer_each_closed_cycle(trust):
    closed = _closed().count()
    submitted = Response.objects.filter(cycle__in=_closed(), state="submitted")
    per_group = Counter(submitted.values_list("group__code", flat=True))
    assert 10 <= submitted.count() / closed <= 13
    assert per_group["self"] / closed >= 0.9
    assert 0.8 <= per_group["line_manager"] / closed <= 0.95
    assert 3 <= per_group["peers"] / closed <= 5.5
    assert 0.5 <= per_group["direct_reports"] / closed <= 3
    assert 1 <= per_group["other_colleagues"] / closed <= 3
    assert 0.3 <= per_group["patients_carers"] / closed <= 2.5
    not_observed = Answer.objects.filter(rating=None).count() / Answer.objects.count()
    assert 0.03 <= not_observed <= 0.12
    assert not Response.objects.filter(cycle__in=_closed(), state="draft").exists()
    assert Response.objects.filter(cycle__state="open", state="draft").exists()


def test_at_england_scale_the_answers_stay_within_thirty_million(trust):
    england_staff = facts.ENGLAND_TRUST_STAFF + facts.ENGLAND_ICB_STAFF
    england_cycles = round(england_staff * feedback_synth.CYCLES_PER_STAFF)
    assert england_cycles == feedback_synth.ENGLAND_CYCLES
    cycles = FeedbackCycle.objects.count()
    answers_per_cycle = Answer.objects.count() / cycles
    items = Counter(QuestionnaireItem.objects.values_list("questionnaire_id", flat=True))
    used = FeedbackCycle.objects.values_list("questionnaire_id", flat=True)
    items_per_cycle = sum(items[q] for q in used) / cycles
    assert 36 <= items_per_cycle <= 52  # 16 to 112 items, mostly 36
    assert england_cycles * answers_per_cycle <= feedback_synth.ANSWER_CEILING


def test_submitted_ratings_are_packed_in_item_order_and_drafts_have_none(trust):
    order: dict[int, list[int]] = defaultdict(list)
    for questionnaire_id, pk in QuestionnaireItem.objects.order_by("order").values_list(
        "questionnaire_id", "pk"
    ):
        order[questionnaire_id].append(pk)
    answers: dict[int, dict[int, int | None]] = defaultdict(dict)
    for response_id, item_id, rating in Answer.objects.values_list(
        "response_id", "item_id", "rating"
    ):
        answers[response_id][item_id] = rating
    checked = 0
    for pk, state, questionnaire_id, packed in Response.objects.values_list(
        "pk", "state", "cycle__questionnaire_id", "ratings"
    ):
        if state == Response.State.DRAFT:
            assert bytes(packed) == b""
            assert len(answers[pk]) < len(order[questionnaire_id])
            continue
        given = answers[pk]
        assert set(given) == set(order[questionnaire_id])
        assert bytes(packed) == norms.pack_ratings(
            [given[item] for item in order[questionnaire_id]]
        )
        checked += 1
    assert checked > 1000


def test_every_closed_cycle_has_the_report_the_report_builder_makes(trust):
    closed = list(_closed().select_related("report").order_by("pk"))
    assert all(hasattr(c, "report") for c in closed)
    assert not Report.objects.exclude(cycle__in=_closed()).exists()
    # Reports were frozen before any norms existed: compare with the builder in that state.
    with transaction.atomic():
        NormTable.objects.all().delete()
        # Every twelfth cycle, and the first of each questionnaire.
        first_of = {c.questionnaire_id: c for c in reversed(closed)}
        sample = {c.pk: c for c in [*closed[:: max(1, len(closed) // 12)], *first_of.values()]}
        assert len(first_of) == 4
        for cycle in sample.values():
            built = build_report_data(cycle, rng=feedback_synth.report_rng(SEED, cycle.pk))
            built = json.loads(json.dumps(built))
            # The builder dates a report the day it runs; the stage, the day the cycle closed.
            built["cycle"]["frozen_on"] = cycle.closed_at.astimezone(LONDON).date().isoformat()
            assert built == cycle.report.data
            assert built["comments"] or built["all_others"]["shown"]
        transaction.set_rollback(True)


def test_no_report_shows_a_group_below_its_minimum(trust):
    minimums = {
        (m.cycle_id, m.group.code): m.minimum
        for m in CycleGroupMinimum.objects.select_related("group")
    }
    hidden = 0
    for cycle_id, data in Report.objects.values_list("cycle_id", "data"):
        counts = Counter(
            Response.objects.filter(cycle_id=cycle_id, state="submitted").values_list(
                "group__code", flat=True
            )
        )
        visible = set()
        for group in data["groups"]:
            minimum = minimums[(cycle_id, group["code"])]
            assert group["minimum"] == minimum
            if group["visible"]:
                assert group["responses"] == counts[group["code"]] >= minimum
                visible.add(group["code"])
            else:
                assert group["responses"] is None
                assert counts[group["code"]] < minimum
                hidden += 1
        for item in data["items"]:
            assert set(item["groups"]) <= visible
    assert hidden > 50


def test_ratings_hang_together_as_a_real_instrument_does(trust):
    results = norms.compute_reliability()
    alphas = [r.alpha for r in results if r.alpha is not None]
    assert len(alphas) >= 15
    assert 0.7 <= statistics.median(alphas) <= 0.9
    for result in results:
        if result.responses >= 150:  # enough responses for alpha to settle
            assert result.alpha is not None
            assert 0.7 <= result.alpha <= 0.9, result


def test_invitations_hold_hashes_only_and_old_ones_are_cleared(trust):
    hashes = list(Invitation.objects.exclude(token_hash=None).values_list("token_hash", flat=True))
    cards = list(
        Invitation.objects.exclude(card_code_hash=None).values_list("card_code_hash", flat=True)
    )
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes + cards)
    assert len(set(hashes)) == len(hashes)
    assert len(set(cards)) == len(cards) > 50
    # A submitted response keeps no link to its invitation; a draft keeps one to a started one.
    assert not Response.objects.filter(state="submitted", invitation__isnull=False).exists()
    assert set(
        Response.objects.filter(state="draft").values_list("invitation__state", flat=True)
    ) == {"started"}
    raters = Invitation.objects.filter(channel="email")
    assert not raters.filter(state="submitted", submitted_at=None).exists()
    assert raters.filter(state="withdrawn").exists()
    assert raters.filter(reminders_sent=2).exists()
    # Retention: cycles closed long ago keep no names, addresses or unused cards.
    cutoff = dt.datetime.combine(REFERENCE_DATE, dt.time(0), tzinfo=dt.UTC) - dt.timedelta(
        days=settings.RETENTION_RATER_INVITATION_DAYS + 1
    )
    old = Invitation.objects.filter(cycle__closed_at__lt=cutoff)
    assert old.exists()
    assert not old.exclude(email="", name="").exists()
    assert not old.filter(channel="card", state="invited").exists()
    recent = raters.filter(cycle__state="open")
    assert not recent.filter(email="").exists()
    assert recent.filter(email__endswith=".nhs.example").count() == recent.count()


def test_subjects_set_their_cycles_up_and_facilitators_hold_the_role(trust):
    cycles = FeedbackCycle.objects.select_related("started_by", "facilitator")
    for cycle in cycles:
        assert cycle.started_by.person_id == cycle.subject_id
        assert cycle.facilitator is None or cycle.facilitator.person_id != cycle.subject_id
    facilitators = set(cycles.exclude(facilitator=None).values_list("facilitator_id", flat=True))
    holders = set(
        RoleAssignment.objects.filter(role=Role.FACILITATOR).values_list("user_id", flat=True)
    )
    assert facilitators <= holders
    assert not User.objects.filter(person__isnull=False).exclude(password__startswith="!").exists()
    debriefs = Debrief.objects.select_related("cycle")
    assert debriefs.count() == FeedbackCycle.objects.filter(state="released").count()
    assert all(d.facilitator_id == d.cycle.facilitator_id for d in debriefs)
    assert all(d.held_on >= d.cycle.closed_at.date() for d in debriefs)
    launched = FeedbackCycle.objects.exclude(launched_at=None).count()
    assert CycleGroupMinimum.objects.count() == 6 * launched
    changes = Counter(CycleStateChange.objects.values_list("to_state", flat=True))
    assert changes["draft"] == FeedbackCycle.objects.count()
    assert changes["open"] == launched
    assert changes["released"] == debriefs.count()


def test_clearing_removes_every_row_the_stage_wrote(trust):
    with transaction.atomic():
        writer = BulkWriter(progress=Progress(None))
        ctx = SynthContext(
            scale="trust",
            seed=SEED,
            as_of=REFERENCE_DATE,
            writer=writer,
            progress=writer.progress,
            stdout=io.StringIO(),
            trust_code="RGT",
            region_code="Y59",
        )
        removed = feedback_synth.clear_feedback(ctx)
        writer.finish()
        assert removed == trust.rows["feedback"]
        for model in TABLES:
            assert not model.objects.exists(), model
        assert not User.objects.filter(person__staff_number__startswith="SY").exists()
        assert not RoleAssignment.objects.filter(role=Role.FACILITATOR).exists()
        assert not NormTable.objects.exists()
        transaction.set_rollback(True)


def test_copy_lines_carry_packed_ratings_as_bytea():
    rows = [(1, b"\x01\x05\x00"), (2, b""), (3, None)]
    lines = list(writer.copy_text_lines(Response, ["id", "ratings"], rows))
    assert lines == ["1\t\\\\x010500\n", "2\t\\\\x\n", "3\t\\N\n"]
