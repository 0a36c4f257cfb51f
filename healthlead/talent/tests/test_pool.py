"""The national talent pool: consent, sharing, withdrawal, searches and profile views with
reasons, the view log the person sees, shortlists, and the API."""

from __future__ import annotations

import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from healthlead.appraisal import actions as appraisal_actions
from healthlead.appraisal.tests.helpers import (
    SYSTEM,
    make_team,
    national_lead,
    other_region,
    person_with_account,
    regional_lead,
)
from healthlead.core.models import AuditEvent
from healthlead.feedback.tests.report_helpers import make_questionnaire
from healthlead.people.models import StaffGroup
from healthlead.people.tests.factories import OrganisationFactory
from healthlead.talent import actions
from healthlead.talent.models import (
    ConsentRecord,
    PoolEntry,
    PoolSearch,
    PoolViewLog,
    ShortlistEntry,
    TalentProfile,
)

pytestmark = pytest.mark.django_db

EVERYTHING = {
    "share_role": True,
    "share_contact": True,
    "share_readiness": True,
    "share_grid": True,
    "share_feedback_scores": True,
    "share_programmes": True,
}


def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


def join(person, user, **sharing):  # type: ignore[no-untyped-def]
    return actions.join_pool(
        person=person, by=user, consent=True, profession="nursing", sharing=sharing
    )


def talk(team, readiness="ready_now"):  # type: ignore[no-untyped-def]
    return actions.start_conversation(
        person=team.report,
        by=team.manager_user,
        held_on=timezone.localdate(),
        aspirations=["director_of_nursing"],
        readiness=readiness,
        performance=3,
        potential=3,
    )


def search(client, reason="Shortlisting for director of nursing", **filters):  # type: ignore[no-untyped-def]
    data = {"reason": reason, **filters}
    response = client.post(reverse("talent:search_talent_pool"), data)
    assert response.status_code == 302, text(response)[:2000]
    return client.get(response["Location"])


# Joining, sharing, withdrawing ------------------------------------------------------------------


def test_joining_needs_explicit_consent_which_is_recorded_with_the_text_version():
    team = make_team()
    client = team.client(team.report_user)
    url = reverse("talent:join_talent_pool")
    page = text(client.get(url))
    assert actions.CONSENT_TEXT in page
    response = client.post(url, {"profession": "nursing", "sharing": ["share_role"]})
    assert "Confirm that you agree to join the talent pool" in text(response)
    assert not TalentProfile.objects.exists()
    response = client.post(
        url, {"profession": "nursing", "sharing": ["share_role"], "consent": "on"}
    )
    assert response.status_code == 302
    profile = TalentProfile.objects.get()
    assert profile.in_pool
    assert profile.consent_text_version == actions.CONSENT_TEXT_VERSION
    record = ConsentRecord.objects.get()
    assert (record.kind, record.choices["share_role"], record.choices["share_contact"]) == (
        "given",
        True,
        False,
    )
    assert PoolEntry.objects.filter(person=team.report).exists()


def test_results_show_only_what_the_person_agreed_to_share():
    team = make_team()
    talk(team)
    join(team.report, team.report_user, share_role=True)
    client = team.client(national_lead())
    page = text(search(client))
    assert "Niamh Okafor" in page
    assert team.organisation.display_name in page
    assert "Ready now" not in page  # readiness not shared
    profile = text(
        client.get(reverse("talent:show_pool_profile", args=[team.report.pk]), {"reason": "Check"})
    )
    assert team.report.work_email not in profile
    assert "Not shared" in profile


def test_a_filter_on_something_not_shared_never_matches():
    team = make_team()
    talk(team, readiness="ready_now")
    join(team.report, team.report_user, share_role=True)  # readiness not shared
    client = team.client(national_lead())
    assert "No one in the pool matches" in text(search(client, readiness="ready_now"))
    actions.change_sharing(
        profile=TalentProfile.objects.get(),
        by=team.report_user,
        profession="nursing",
        sharing={"share_readiness": True},
    )
    assert "Niamh Okafor" in text(search(client, readiness="ready_now"))
    assert PoolEntry.objects.get().organisation_name == ""  # role no longer shared


def test_a_withdrawn_person_never_appears_in_a_search():
    team = make_team()
    talk(team)
    profile = join(team.report, team.report_user, **EVERYTHING)
    lead = national_lead()
    client = team.client(lead)
    first = search(client)
    assert "Niamh Okafor" in text(first)
    shortlist = actions.create_shortlist(appointment="Chief nurse", by=lead)
    actions.add_to_shortlist(shortlist=shortlist, entry=PoolEntry.objects.get(), by=lead)
    response = team.client(team.report_user).post(reverse("talent:withdraw_from_talent_pool"))
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.withdrawn_at is not None
    assert not PoolEntry.objects.exists()
    # The earlier search shows the pool as it stands now; new searches and the API too.
    assert "Niamh Okafor" not in text(client.get(first.wsgi_request.path))
    assert "Niamh Okafor" not in text(search(client, readiness="ready_now"))
    api = client.get("/api/v1/talent/pool/search/", {"reason": "Board search"})
    assert api.status_code == 200
    assert api.json()["count"] == 0
    profile_url = reverse("talent:show_pool_profile", args=[team.report.pk])
    assert client.get(profile_url, {"reason": "Check"}).status_code == 404
    assert ShortlistEntry.objects.get().removed_because == "Left the talent pool"
    shortlist_page = text(client.get(reverse("talent:show_shortlist", args=[shortlist.pk])))
    assert "Niamh Okafor" not in shortlist_page
    assert ConsentRecord.objects.filter(kind="withdrawn").count() == 1


def test_joining_again_after_withdrawing_needs_consent_again():
    team = make_team()
    profile = join(team.report, team.report_user)
    actions.withdraw_from_pool(profile=profile, by=team.report_user)
    with pytest.raises(actions.TalentError, match="Confirm"):
        actions.join_pool(
            person=team.report, by=team.report_user, consent=False, profession="nursing"
        )
    join(team.report, team.report_user)
    assert PoolEntry.objects.count() == 1
    assert [r.kind for r in ConsentRecord.objects.order_by("pk")] == ["given", "withdrawn", "given"]


# Searching ---------------------------------------------------------------------------------------


def test_every_search_needs_a_reason_and_is_recorded_with_it():
    team = make_team()
    join(team.report, team.report_user)
    client = team.client(national_lead())
    response = client.post(reverse("talent:search_talent_pool"), {"reason": ""})
    assert "Say why you are searching" in text(response)
    assert not PoolSearch.objects.exists()
    search(client, reason="Board succession, Trust X", staff_group=StaffGroup.NURSES)
    recorded = PoolSearch.objects.get()
    assert recorded.reason == "Board succession, Trust X"
    assert recorded.filters == {"staff_group": "nurses"}
    assert recorded.result_count == 1
    event = AuditEvent.objects.get(action="talent.pool.searched")
    assert (event.kind, event.reason) == ("read", "Board succession, Trust X")


def test_a_regional_lead_searches_their_region_only():
    team = make_team()
    join(team.report, team.report_user)
    away = make_team(organisation=OrganisationFactory(region=other_region()))
    join(away.report, away.report_user)
    client = team.client(regional_lead(team.region))
    page = text(search(client))
    assert page.count("Niamh Okafor") == 1
    assert PoolSearch.objects.get().result_count == 1
    away_url = reverse("talent:show_pool_profile", args=[away.report.pk])
    assert client.get(away_url, {"reason": "Curious"}).status_code == 403


def test_searches_by_score_aspiration_programme_and_role():
    team = make_team()
    talk(team)
    appraisal_actions.record_completion_evidence(
        person=team.report, programme_name="Nye Bevan", completed_on=timezone.localdate(), by=SYSTEM
    )
    join(team.report, team.report_user, **EVERYTHING)
    PoolEntry.objects.filter(person=team.report).update(role_title_lower="ward manager")
    entry = PoolEntry.objects.get()
    instrument = make_questionnaire(((1,), (1,)))
    key = f"{instrument.domains[0].version.framework.code}/D1"
    entry.scores.create(domain_key=key, domain_name="Domain 1", score=4.4)
    client = team.client(national_lead())
    assert "Niamh Okafor" in text(search(client, aspiration="director_of_nursing"))
    assert "No one" in text(search(client, aspiration="chief_executive"))
    assert "Niamh Okafor" in text(search(client, programme="nye  bevan"))
    assert "No one" in text(search(client, programme="Mary Seacole"))
    assert "Niamh Okafor" in text(search(client, role="ward"))
    assert "Niamh Okafor" in text(search(client, domain=key, min_score="4.25"))
    assert "No one" in text(search(client, domain=key, min_score="4.5"))


def test_a_bad_score_is_explained_not_an_error():
    team = make_team()
    client = team.client(national_lead())
    response = client.post(
        reverse("talent:search_talent_pool"), {"reason": "Test", "min_score": "nine"}
    )
    assert response.status_code == 200
    assert "Enter the score as a number" in text(response)
    response = client.post(
        reverse("talent:search_talent_pool"), {"reason": "Test", "min_score": "7"}
    )
    assert "The score must be 5 or less" in text(response)
    assert not PoolSearch.objects.exists()


def test_staff_line_managers_and_organisation_leads_cannot_search():
    team = make_team()
    for user in (team.report_user, team.manager_user, team.organisation_lead):
        assert team.client(user).get(reverse("talent:search_talent_pool")).status_code == 403


def test_someone_elses_search_results_are_not_yours_to_open():
    team = make_team()
    join(team.report, team.report_user)
    first = team.client(national_lead())
    search(first)
    recorded = PoolSearch.objects.get()
    other = team.client(national_lead())
    assert other.get(reverse("talent:show_pool_search", args=[recorded.pk])).status_code == 403


# Profile views -----------------------------------------------------------------------------------


def test_a_profile_is_shown_only_after_a_reason_and_the_person_sees_the_view():
    team = make_team()
    join(team.report, team.report_user, share_role=True)
    lead = regional_lead(team.region)
    client = team.client(lead)
    url = reverse("talent:show_pool_profile", args=[team.report.pk])
    asking = text(client.get(url))
    assert "Why are you looking at this profile?" in asking
    assert team.organisation.display_name not in asking
    assert not PoolViewLog.objects.exists()
    assert "Say why you are looking" in text(client.get(url, {"reason": ""}))
    shown = text(client.get(url, {"reason": "Chief nurse vacancy"}))
    assert team.organisation.display_name in shown
    view = PoolViewLog.objects.get()
    assert (view.viewer, view.reason) == (lead, "Chief nurse vacancy")
    assert view.viewer_role.startswith("Regional lead, ")
    own = text(team.client(team.report_user).get(reverse("talent:show_pool_membership")))
    assert "Chief nurse vacancy" in own
    assert view.viewer_label in own


def test_coming_from_a_search_carries_its_reason():
    team = make_team()
    join(team.report, team.report_user)
    client = team.client(national_lead())
    search(client, reason="Medical director shortlist")
    recorded = PoolSearch.objects.get()
    url = reverse("talent:show_pool_profile", args=[team.report.pk])
    assert client.get(url, {"search": recorded.pk}).status_code == 200
    view = PoolViewLog.objects.get()
    assert (view.search, view.reason) == (recorded, "From a search: Medical director shortlist")


# Shortlists --------------------------------------------------------------------------------------


def test_a_lead_builds_a_shortlist_for_a_named_appointment():
    team = make_team()
    join(team.report, team.report_user, share_role=True)
    client = team.client(national_lead())
    response = client.post(reverse("talent:new_shortlist"), {"appointment": "Chief nurse, Trust X"})
    assert response.status_code == 302
    shortlist_url = response["Location"]
    shortlist_id = int(shortlist_url.rstrip("/").rsplit("/", 1)[1])
    response = client.post(
        reverse("talent:add_shortlist_candidate"),
        {"shortlist": str(shortlist_id), "person": str(team.report.pk), "note": "Strong"},
    )
    assert response.status_code == 302
    page = text(client.get(shortlist_url))
    assert "Niamh Okafor" in page
    assert "Strong" in page
    again = client.post(
        reverse("talent:add_shortlist_candidate"),
        {"shortlist": str(shortlist_id), "person": str(team.report.pk)},
        follow=True,
    )
    assert "already on this shortlist" in text(again)
    entry = ShortlistEntry.objects.get()
    client.post(reverse("talent:remove_shortlist_candidate", args=[entry.pk]))
    entry.refresh_from_db()
    assert entry.removed_at is not None


def test_someone_elses_shortlist_is_not_yours():
    team = make_team()
    owner = national_lead()
    shortlist = actions.create_shortlist(appointment="Chief executive", by=owner)
    other = team.client(regional_lead(team.region))
    assert other.get(reverse("talent:show_shortlist", args=[shortlist.pk])).status_code == 403


# The API -----------------------------------------------------------------------------------------


def test_the_api_search_needs_a_reason_records_it_and_shows_only_shared_fields():
    team = make_team()
    talk(team)
    join(team.report, team.report_user, share_readiness=True)
    client = team.client(national_lead())
    assert client.get("/api/v1/talent/pool/search/").status_code == 400
    response = client.get(
        "/api/v1/talent/pool/search/", {"reason": "Board search", "readiness": "ready_now"}
    )
    assert response.status_code == 200
    body = response.json()
    member = body["results"][0]
    assert member["name"] == "Niamh Okafor"
    assert member["readiness"] == "ready_now"
    assert member["aspirations"] == ["director_of_nursing"]
    assert member["organisation"] is None
    assert member["email"] is None
    assert PoolSearch.objects.get().reason == "Board search"
    bad = client.get("/api/v1/talent/pool/search/", {"reason": "x" * 10, "readiness": "soon"})
    assert bad.status_code == 400
    assert "readiness" in bad.json()["detail"]


def test_the_api_refuses_people_who_may_not_search():
    team = make_team()
    response = team.client(team.report_user).get("/api/v1/talent/pool/search/", {"reason": "Nosy"})
    assert response.status_code == 403


def test_search_results_run_the_same_queries_however_many_match():
    team = make_team()
    client = team.client(national_lead())
    join(team.report, team.report_user, **EVERYTHING)
    first = search(client)
    url = first.wsgi_request.path

    def count() -> int:
        with CaptureQueriesContext(connection) as ran:
            assert client.get(url).status_code == 200
        return len(ran)

    small = count()
    for n in range(12):
        person, user = person_with_account(organisation=team.organisation, last_name=f"Pool{n}")
        join(person, user, **EVERYTHING)
    assert "Pool11" in text(client.get(url))
    assert count() == small


def test_pool_scores_come_from_the_latest_released_360_report_only_when_shared():
    from healthlead.feedback.tests.report_helpers import close, open_cycle, submit

    team = make_team()
    instrument = make_questionnaire(((2,), (2,)))
    cycle = open_cycle(instrument, subject_user=team.report_user)
    submit(cycle, "self", [5, 5, 5, 5], instrument=instrument)
    submit(cycle, "line_manager", [4, 4, 3, 3], instrument=instrument)
    for _ in range(3):
        submit(cycle, "peers", [4, 4, 3, 3], instrument=instrument)
    close(cycle)
    join(team.report, team.report_user, share_role=True)
    assert not PoolEntry.objects.get().scores.exists()
    actions.change_sharing(
        profile=TalentProfile.objects.get(),
        by=team.report_user,
        profession="nursing",
        sharing={"share_feedback_scores": True},
    )
    scores = {s.domain_name: s.score for s in PoolEntry.objects.get().scores.all()}
    assert scores == {"Domain 1": 4.0, "Domain 2": 3.0}


def test_the_nightly_refresh_rebuilds_rows_and_drops_people_who_left():
    from django.core.management import call_command

    team = make_team()
    join(team.report, team.report_user, share_role=True)
    PoolEntry.objects.update(organisation_name="Stale")
    out = __import__("io").StringIO()
    call_command("refresh_talent_pool", stdout=out)
    assert PoolEntry.objects.get().organisation_name == team.organisation.display_name
    team.report.status = "left"
    team.report.left_on = timezone.localdate()
    team.report.save()
    call_command("refresh_talent_pool", stdout=out)
    assert not PoolEntry.objects.exists()


def test_the_nightly_refresh_removes_a_row_left_for_someone_not_in_the_pool_and_keeps_members():
    team = make_team()
    join(team.report, team.report_user, **EVERYTHING)
    appraisal_actions.record_completion_evidence(
        person=team.peer,
        programme_name="Mary Seacole",
        completed_on=timezone.localdate(),
        by=SYSTEM,
    )
    join(team.peer, team.peer_user, share_programmes=True)
    # A row left behind for someone whose consent has gone (as if written before they withdrew).
    TalentProfile.objects.filter(person=team.peer).update(withdrawn_at=timezone.now())
    assert actions.refresh_all_pool_entries(by=SYSTEM) == 1
    assert list(PoolEntry.objects.values_list("person", flat=True)) == [team.report.pk]
    event = AuditEvent.objects.filter(action="talent.pool.refreshed").get()
    assert event.detail == {"entries": 1, "removed": 1}  # rows, not their programmes too
