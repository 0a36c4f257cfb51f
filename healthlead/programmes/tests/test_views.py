"""The pages: applying one thing per page, clear answers to bad input, blind scoring, audited
reads, downloads, reports and the home page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from healthlead.core.models import AuditEvent
from healthlead.people.models import StaffGroup
from healthlead.programmes import actions, selection_actions
from healthlead.programmes.models import Appeal, Application, Gate, Programme, ScoreSheet
from healthlead.programmes.tests.helpers import (
    SYSTEM,
    apply,
    complete,
    evidence,
    load_curriculum,
    open_intake,
    score_all,
)
from tests.conftest import (
    World,
    build_world,
    copy_for_test,
    kept_for_module,
    make_person,
    make_user,
    sign_in,
)


@pytest.fixture(scope="module")
def shared_world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    """The world and the curriculum, made once for the module (rolled back when it ends)."""
    with kept_for_module(django_db_blocker):
        with django_db_blocker.unblock():
            built = build_world()
            load_curriculum()
        yield built


@pytest.fixture
def world(shared_world: World, db: Any, request: pytest.FixtureRequest) -> World:
    return copy_for_test(shared_world, request)


def client_for(user: Any) -> Client:
    return sign_in(Client(), user)


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_an_applicant_applies_one_thing_per_page(world):
    complete(world.staff_person, "Edward Jenner")
    intake = open_intake("mary-seacole", region=world.region)
    client = client_for(world.user("staff"))
    start = client.get(f"/intakes/{intake.pk}/apply/")
    assert start.status_code == 200
    assert "You completed Edward Jenner on" in text(start)
    assert "We will ask your line manager to endorse your application when you send it." in text(
        start
    )
    response = client.post(f"/intakes/{intake.pk}/apply/", {})
    application = Application.objects.get(person=world.staff_person)
    criteria = list(intake.version.criteria.all())
    assert response["Location"] == f"/applications/{application.pk}/statements/{criteria[0].pk}/"
    for index, criterion in enumerate(criteria):
        page = client.get(f"/applications/{application.pk}/statements/{criterion.pk}/")
        assert "<h1" in page.content.decode()
        assert criterion.title in text(page)
        response = client.post(
            f"/applications/{application.pk}/statements/{criterion.pk}/", {"text": "I lead a ward."}
        )
        following = (
            f"/applications/{application.pk}/statements/{criteria[index + 1].pk}/"
            if index + 1 < len(criteria)
            else f"/applications/{application.pk}/line-manager/"
        )
        assert response["Location"] == following
    line_manager = client.get(f"/applications/{application.pk}/line-manager/")
    assert f"we will email {world.manager.full_name}" in text(line_manager)
    response = client.post(f"/applications/{application.pk}/line-manager/", {})
    assert response["Location"] == f"/applications/{application.pk}/bursary/"
    response = client.post(f"/applications/{application.pk}/bursary/", {"wants": "no"})
    assert response["Location"] == f"/applications/{application.pk}/check/"
    check = client.get(f"/applications/{application.pk}/check/")
    assert "Check your answers before sending your application" in text(check)
    assert "I lead a ward." in text(check)
    response = client.post(f"/applications/{application.pk}/check/", {})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == Application.State.SUBMITTED
    page = client.get(f"/applications/{application.pk}/")
    assert "We have asked your line manager to endorse your application." in text(page)


def test_an_empty_statement_is_refused_with_a_clear_message(world):
    complete(world.staff_person, "Edward Jenner")
    intake = open_intake("mary-seacole", region=world.region)
    client = client_for(world.user("staff"))
    client.post(f"/intakes/{intake.pk}/apply/", {})
    application = Application.objects.get(person=world.staff_person)
    criterion = intake.version.criteria.first()
    response = client.post(
        f"/applications/{application.pk}/statements/{criterion.pk}/", {"text": " "}
    )
    assert response.status_code == 400
    assert "There is a problem" in text(response)
    assert "Write your statement." in text(response)
    response = client.post(
        f"/applications/{application.pk}/statements/{criterion.pk}/", {"text": "x" * 4001}
    )
    assert response.status_code == 400
    assert "4,000 characters or fewer" in text(response)


def test_a_doctor_who_fails_a_gate_sees_why_and_cannot_start(world):
    doctor = make_person(world.trust_a, staff_group=StaffGroup.DOCTORS, line_manager=world.manager)
    user = make_user("doctor@nhs.example", person=doctor)
    intake = open_intake("mary-seacole", region=world.region)
    client = client_for(user)
    page = client.get(f"/intakes/{intake.pk}/apply/")
    body = text(page)
    assert "You cannot apply yet" in body
    assert (
        "You have not completed Edward Jenner, and no prior learning of yours is recognised as "
        "equivalent to it." in body
    )
    assert "Start your application" not in body
    response = client.post(f"/intakes/{intake.pk}/apply/", {})
    assert response.status_code == 400
    assert not Application.objects.filter(person=doctor).exists()


def test_a_gate_with_bad_json_or_an_unknown_rule_is_refused_on_the_page(world):
    draft = actions.create_draft_version(
        programme=Programme.objects.get(code="mary-seacole"), by=SYSTEM
    )
    client = client_for(world.user("national_lead"))
    url = f"/programmes/mary-seacole/versions/{draft.number}/gates/new/"
    response = client.post(url, {"rule": "staff_group", "params": "{nurses"})
    assert response.status_code == 400
    assert "The parameters are not valid JSON" in text(response)
    response = client.post(url, {"rule": "staff_group", "params": '{"any_of": ["wizards"]}'})
    assert response.status_code == 400
    assert "staff_group: any_of: &#39;wizards&#39; is not a staff group. Use: doctors" in text(
        response
    )
    response = client.post(url, {"rule": "no_such_rule", "params": "{}"})
    assert response.status_code == 400
    assert "Select a valid choice" not in text(response)
    assert "Choose a rule from the list." in text(response)
    assert Gate.objects.filter(version=draft).count() == 3
    response = client.post(url, {"rule": "staff_group", "params": '{"any_of": ["nurses"]}'})
    assert response.status_code == 302
    assert Gate.objects.filter(version=draft).count() == 4


def test_an_intake_closing_before_it_opens_is_refused(world):
    client = client_for(world.user("national_lead"))
    version = Programme.objects.get(code="mary-seacole").versions.get()
    response = client.post(
        "/intakes/new/",
        {
            "version": version.pk,
            "name": "Spring",
            "region": "national",
            "opens_on_day": "10",
            "opens_on_month": "3",
            "opens_on_year": "2027",
            "closes_on_day": "1",
            "closes_on_month": "3",
            "closes_on_year": "2027",
            "places": "20",
            "budget": "1000",
            "offer_days": "14",
        },
    )
    assert response.status_code == 400
    assert "The closing date must be on or after the opening date." in text(response)
    response = client.post(
        "/intakes/new/", {"closes_on_day": "31", "closes_on_month": "2", "closes_on_year": "2027"}
    )
    assert response.status_code == 400
    assert "Enter a real date for the closing date" in text(response)


def _scored_by_one(world: World) -> tuple[Application, Any, Any]:
    complete(world.staff_person, "Edward Jenner")
    intake = open_intake("mary-seacole", region=world.region)
    application = apply(intake, world.staff_person, by=world.user("staff"))
    one = actions.add_panel_member(intake=intake, user=world.user("mentor"), by=SYSTEM)
    two = actions.add_panel_member(intake=intake, user=world.user("patient_partner"), by=SYSTEM)
    selection_actions.close_applications(intake=intake, by=SYSTEM)
    criteria = list(intake.version.criteria.all())
    selection_actions.submit_score_sheet(
        application=application,
        member=one,
        scores={c.pk: (5, "Superb.") for c in criteria},
        by=SYSTEM,
    )
    return application, two, criteria


def test_panel_members_score_blind_until_everyone_has_scored(world):
    application, _two, criteria = _scored_by_one(world)
    partner = client_for(world.user("patient_partner"))
    page = text(partner.get(f"/scoring/{application.pk}/"))
    assert "Your scores" in page
    assert "Superb." not in page
    assert "Every member&#x27;s scores" not in page
    data = {f"score_{c.pk}": "3" for c in criteria}
    response = partner.post(f"/scoring/{application.pk}/", data)
    assert response.status_code == 302
    assert ScoreSheet.objects.filter(application=application).count() == 2
    mentor_page = text(client_for(world.user("mentor")).get(f"/scoring/{application.pk}/"))
    assert "Every member" in mentor_page


def test_a_score_sheet_missing_a_score_is_refused(world):
    application, two, criteria = _scored_by_one(world)
    partner = client_for(world.user("patient_partner"))
    response = partner.post(f"/scoring/{application.pk}/", {f"score_{criteria[0].pk}": "3"})
    assert response.status_code == 400
    assert f"Choose a score for {criteria[1].title.lower()}" in text(response)
    response = partner.post(f"/scoring/{application.pk}/", {f"score_{c.pk}": "9" for c in criteria})
    assert response.status_code == 400
    assert not ScoreSheet.objects.filter(application=application, member=two).exists()


def test_a_regional_lead_reading_an_application_is_audited(world):
    complete(world.staff_person, "Edward Jenner")
    intake = open_intake("mary-seacole", region=world.region)
    application = apply(intake, world.staff_person, by=world.user("staff"))
    client = client_for(world.user("regional_lead"))
    assert client.get(f"/applications/{application.pk}/").status_code == 200
    assert AuditEvent.objects.filter(
        kind="read", action="programmes.application.viewed", target_id=str(application.pk)
    ).exists()
    other = client_for(world.user("other_regional_lead"))
    assert other.get(f"/applications/{application.pk}/").status_code == 403


def test_evidence_is_refused_when_it_is_not_what_it_claims_and_downloaded_as_an_attachment(world):
    client = client_for(world.user("staff"))
    fake = SimpleUploadedFile(
        "../../etc/certificate.pdf", b"MZ\x90\x00not a pdf", "application/pdf"
    )
    response = client.post(
        "/prior-learning/new/", {"kind": "degree", "title": "BSc", "evidence": fake}
    )
    assert response.status_code == 400
    assert "The selected file is not really a PDF file." in text(response)
    response = client.post(
        "/prior-learning/new/",
        {"kind": "degree", "title": "BSc", "evidence": evidence("../../my <degree>.pdf")},
    )
    assert response.status_code == 302
    claim = world.staff_person.prior_learning.get()
    assert claim.file_name == "my _degree_.pdf"
    assert ".." not in claim.stored_path
    assert claim.stored_path.startswith("prior-learning/")
    download = client.get(f"/prior-learning/{claim.pk}/evidence/")
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download.content.startswith(b"%PDF-")
    lead = client_for(world.user("regional_lead"))
    assert lead.get(f"/prior-learning/{claim.pk}/evidence/").status_code == 200
    assert (
        AuditEvent.objects.filter(action="programmes.prior_learning.evidence_downloaded").count()
        == 1
    )


def test_the_intake_report_suppresses_small_groups(world):
    complete(world.staff_person, "Edward Jenner")
    intake = open_intake("mary-seacole", region=world.region)
    apply(intake, world.staff_person, by=world.user("staff"))
    client = client_for(world.user("national_lead"))
    page = text(client.get(f"/intakes/{intake.pk}/report/"))
    assert "Staff group" in page
    assert '*<span class="nhsuk-u-visually-hidden"> not shown</span>' in page
    national = client.get("/programmes/fairness/")
    assert national.status_code == 200
    assert "fairness and cost in England" in text(national)


def test_the_home_page_lists_programme_steps_and_endorsements_waiting(world):
    complete(world.staff_person, "Edward Jenner")
    intake = open_intake("mary-seacole", region=world.region)
    apply(intake, world.staff_person, by=world.user("staff"), endorse=False)
    manager_home = text(client_for(world.user("line_manager")).get("/"))
    assert "Applications to endorse" in manager_home
    assert "1 waiting for your answer." in manager_home
    staff_home = text(client_for(world.user("staff")).get("/"))
    assert "Leadership programmes" in staff_home
    lead_home = text(client_for(world.user("regional_lead")).get("/"))
    assert "Programme intakes" in lead_home
    partner_home = text(client_for(world.user("patient_partner")).get("/"))
    assert "Your selection panels" in partner_home


def test_the_api_lists_programmes_checks_gates_and_shows_own_applications(world):
    from tests.conftest import token_headers

    complete(world.staff_person, "Edward Jenner")
    client = client_for(world.user("staff"))
    listed = client.get("/api/v1/programmes/").json()
    assert [p["code"] for p in listed][:2] == ["nhs-induction", "edward-jenner"]
    detail = client.get("/api/v1/programmes/mary-seacole/").json()
    assert detail["cost_per_place"] == 995
    assert {g["rule"] for g in detail["gates"]} == {
        "completed_programme",
        "line_manager_endorsement",
        "employer_funding",
    }
    check = client.get("/api/v1/programmes/mary-seacole/gate-check/").json()
    assert check["overall"] == "pending"
    assert check["gates"][0]["status"] == "passed"
    missing = client.get("/api/v1/programmes/no-such-thing/")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "No published programme has the code no-such-thing."
    bad = client.get("/api/v1/programmes/NOT A CODE/")
    assert bad.status_code in {400, 404}
    token = Client().get(
        "/api/v1/programmes/mary-seacole/gate-check/", headers=token_headers(world, "token")
    )
    assert token.status_code == 403
    intake = open_intake("mary-seacole", region=world.region)
    application = apply(intake, world.staff_person, by=world.user("staff"))
    mine = client.get("/api/v1/applications/").json()
    assert [a["id"] for a in mine] == [application.pk]
    one = client.get(f"/api/v1/applications/{application.pk}/").json()
    assert one["state"] == "submitted"
    assert one["gates"][1]["reason"] == "Your line manager endorsed your application."
    other = client_for(world.user("line_manager")).get(f"/api/v1/applications/{application.pk}/")
    assert other.status_code == 404


def test_the_api_lists_open_intakes_and_shows_a_closed_one_only_to_those_running_it(world):
    from tests.conftest import token_headers

    seacole = open_intake("mary-seacole", region=world.region)
    franklin = open_intake("rosalind-franklin")
    closed = open_intake("mary-seacole", region=world.region)
    selection_actions.close_applications(intake=closed, by=SYSTEM)
    staff = client_for(world.user("staff"))
    listed = staff.get("/api/v1/intakes/").json()
    assert {i["id"] for i in listed} == {seacole.pk, franklin.pk}
    national = next(i for i in listed if i["id"] == franklin.pk)
    assert national["region"] is None
    assert national["programme"] == "rosalind-franklin"
    assert national["state"] == "open"
    only = staff.get("/api/v1/intakes/", {"programme": "mary-seacole"}).json()
    assert [i["id"] for i in only] == [seacole.pk]
    assert staff.get("/api/v1/intakes/", {"programme": "NOT A CODE"}).status_code in {400, 422}
    # An open intake is public; a closed one answers 404 except to those who run it.
    token = Client().get(f"/api/v1/intakes/{seacole.pk}/", headers=token_headers(world, "token"))
    assert token.json()["name"] == seacole.name
    hidden = staff.get(f"/api/v1/intakes/{closed.pk}/")
    assert hidden.status_code == 404
    assert hidden.json()["detail"] == f"No open intake has the id {closed.pk}."
    shown = client_for(world.user("regional_lead")).get(f"/api/v1/intakes/{closed.pk}/")
    assert shown.status_code == 200
    assert shown.json()["state"] == "scoring"
    assert staff.get("/api/v1/intakes/0/").status_code in {400, 422}


def test_an_applicant_on_the_waiting_list_sees_why_appeals_and_reads_the_outcome(world):
    complete(world.staff_person, "Edward Jenner")
    intake = open_intake("mary-seacole", places=1, region=world.region)
    mine = apply(intake, world.staff_person, by=world.user("staff"))
    rival = make_person(world.trust_a, line_manager=world.manager, last_name="Rival")
    complete(rival, "Edward Jenner")
    theirs = apply(intake, rival)
    member = actions.add_panel_member(intake=intake, user=world.user("mentor"), by=SYSTEM)
    actions.add_panel_member(intake=intake, user=world.user("patient_partner"), by=SYSTEM)
    selection_actions.close_applications(intake=intake, by=SYSTEM)
    score_all(intake, scores={mine.pk: {member.pk: 2}, theirs.pk: {member.pk: 4}}, default=3)
    selection_actions.allocate_places(intake=intake, by=SYSTEM)
    staff = client_for(world.user("staff"))
    page = text(staff.get(f"/applications/{mine.pk}/"))
    assert "You completed Edward Jenner on" in page
    assert "Your scores by criterion" in page
    assert "You are number 1 on the waiting list" in page
    assert "Appeal against the decision" in page
    empty = staff.post(f"/applications/{mine.pk}/appeal/", {"grounds": "  "})
    assert empty.status_code == 400
    assert "Enter the grounds for your appeal" in text(empty)
    assert not Appeal.objects.exists()
    sent = staff.post(f"/applications/{mine.pk}/appeal/", {"grounds": "A score was misread."})
    assert sent.status_code == 302
    appeal = Appeal.objects.get(application=mine)
    lead = client_for(world.user("regional_lead"))
    missing = lead.post(f"/appeals/{appeal.pk}/", {"outcome": "not_upheld"})
    assert missing.status_code == 400
    assert "Enter the reason" in text(missing)
    decided = lead.post(
        f"/appeals/{appeal.pk}/",
        {"outcome": "not_upheld", "reason": "The scores were checked and stand."},
    )
    assert decided.status_code == 302
    page = text(staff.get(f"/applications/{mine.pk}/"))
    assert "not upheld. The scores were checked and stand." in page
    # A decided appeal is not decided again.
    lead.post(f"/appeals/{appeal.pk}/", {"outcome": "upheld", "reason": "Changed my mind."})
    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.NOT_UPHELD
