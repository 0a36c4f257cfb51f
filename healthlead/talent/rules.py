"""Who may hold talent conversations, see and calibrate the grid, use the talent pool and
keep succession plans.

- A talent conversation is started by the person or their line manager; it is seen by them
  and by leads over the person (organisation, region, nation).
- Grids: a line manager sees their team's; organisation leads their organisation's; regional
  leads their region's; national leads all. Leads (not line managers) calibrate, with a reason.
- The talent pool: anyone with a staff record may join; national and regional leads search it
  (regional leads their region only) and see profiles, every time with a stated reason.
- Succession plans: organisation leads (and national leads) keep them; regional leads see them.
"""

from __future__ import annotations

from typing import Any

import rules

from healthlead.accounts.permissions import Permission
from healthlead.accounts.scope import scope_for
from healthlead.people.models import Organisation, Person, Region


def _person_id(user: Any) -> int | None:
    if not user.is_authenticated:
        return None
    return getattr(user, "person_id", None)


def _person_of(obj: Any) -> Person | None:
    if obj is None:
        return None
    if isinstance(obj, Person):
        return obj
    conversation = getattr(obj, "conversation", None)  # a review
    if conversation is not None and not hasattr(obj, "person"):
        obj = conversation
    person = getattr(obj, "person", None)
    return person if isinstance(person, Person) else None


@rules.predicate
def has_staff_record(user: Any) -> bool:
    """The user's account is linked to a staff record."""
    return _person_id(user) is not None


@rules.predicate
def is_line_manager(user: Any) -> bool:
    """Someone reports to the user."""
    return user.is_authenticated and scope_for(user).is_line_manager


@rules.predicate
def is_any_lead(user: Any) -> bool:
    """The user leads an organisation, a region or the nation."""
    return user.is_authenticated and scope_for(user).is_lead


@rules.predicate
def is_pool_searcher(user: Any) -> bool:
    """National and regional leads search the talent pool."""
    if not user.is_authenticated:
        return False
    scope = scope_for(user)
    return scope.national or bool(scope.region_ids)


@rules.predicate
def is_national_lead(user: Any) -> bool:
    """The user is a national lead."""
    return user.is_authenticated and scope_for(user).national


@rules.predicate
def is_the_person(user: Any, obj: Any) -> bool:
    """The record (a person, or something about one) is the user's own."""
    person = _person_of(obj)
    person_id = _person_id(user)
    return person is not None and person_id is not None and person.pk == person_id


@rules.predicate
def is_their_line_manager(user: Any, obj: Any) -> bool:
    """The user is the person's line manager."""
    person = _person_of(obj)
    person_id = _person_id(user)
    return (
        person is not None
        and person_id is not None
        and person.line_manager_id is not None
        and person.line_manager_id == person_id
    )


@rules.predicate
def manages_above(user: Any, obj: Any) -> bool:
    """The person is somewhere below the user in the management tree."""
    person = _person_of(obj)
    me = scope_for(user).person if user.is_authenticated else None
    return (
        person is not None
        and me is not None
        and person.pk != me.pk
        and person.manager_path.startswith(me.team_path)
    )


@rules.predicate
def leads_over_person(user: Any, obj: Any) -> bool:
    """The user leads the person's organisation, their region, or the nation."""
    person = _person_of(obj)
    return (
        person is not None and user.is_authenticated and scope_for(user).is_lead_over_person(person)
    )


@rules.predicate
def leads_organisation(user: Any, organisation: Any) -> bool:
    """The organisation is inside a lead's scope (its own, its region's, or the nation)."""
    return (
        user.is_authenticated
        and isinstance(organisation, Organisation)
        and scope_for(user).covers_organisation(organisation)
    )


@rules.predicate
def keeps_organisation_plans(user: Any, obj: Any) -> bool:
    """Organisation leads of the organisation (and national leads) keep its succession plans."""
    if not user.is_authenticated or obj is None:
        return False
    obj = getattr(obj, "plan", obj)  # a candidate: judged by its plan
    organisation_id = (
        obj.pk if isinstance(obj, Organisation) else getattr(obj, "organisation_id", None)
    )
    scope = scope_for(user)
    return scope.national or organisation_id in scope.organisation_ids


@rules.predicate
def sees_organisation_plans(user: Any, obj: Any) -> bool:
    """Any lead covering the organisation sees its succession plans."""
    if not user.is_authenticated or obj is None:
        return False
    obj = getattr(obj, "plan", obj)
    organisation = obj if isinstance(obj, Organisation) else getattr(obj, "organisation", None)
    return isinstance(organisation, Organisation) and scope_for(user).covers_organisation(
        organisation
    )


@rules.predicate
def leads_region(user: Any, region: Any) -> bool:
    """The user is the regional lead of this region, or a national lead."""
    if not user.is_authenticated or not isinstance(region, Region):
        return False
    scope = scope_for(user)
    return scope.national or region.pk in scope.region_ids


@rules.predicate
def may_see_pool_entry(user: Any, entry: Any) -> bool:
    """National leads see every pool profile; regional leads those in their region."""
    if not user.is_authenticated or entry is None:
        return False
    scope = scope_for(user)
    return scope.national or (entry.region_id is not None and entry.region_id in scope.region_ids)


@rules.predicate
def made_the_search(user: Any, search: Any) -> bool:
    """The search is the user's own."""
    return user.is_authenticated and search is not None and search.searched_by_id == user.pk


@rules.predicate
def owns_shortlist(user: Any, shortlist: Any) -> bool:
    """The user made the shortlist (or the shortlist this entry is on)."""
    shortlist = getattr(shortlist, "shortlist", shortlist)
    return user.is_authenticated and shortlist is not None and shortlist.created_by_id == user.pk


@rules.predicate
def holds_pool_role(user: Any, obj: Any) -> bool:
    """The user still holds a role that may search the pool."""
    return is_pool_searcher(user)


rules.add_perm(Permission.USE_TALENT, has_staff_record | is_line_manager | is_any_lead)
rules.add_perm(Permission.START_TALENT_CONVERSATION, is_the_person | is_their_line_manager)
rules.add_perm(
    Permission.VIEW_TALENT_CONVERSATION,
    is_the_person | is_their_line_manager | manages_above | leads_over_person,
)
rules.add_perm(Permission.REVIEW_TALENT_CONVERSATION, is_the_person | is_their_line_manager)
rules.add_perm(Permission.VIEW_TALENT_RECORD, is_the_person | manages_above | leads_over_person)
rules.add_perm(Permission.VIEW_TEAM_TALENT_GRID, is_line_manager)
rules.add_perm(Permission.VIEW_ORGANISATION_TALENT, leads_organisation)
rules.add_perm(Permission.VIEW_REGION_TALENT, leads_region)
rules.add_perm(Permission.CALIBRATE_TALENT_RATING, leads_over_person & ~is_the_person)
rules.add_perm(Permission.JOIN_TALENT_POOL, has_staff_record)
rules.add_perm(Permission.SEARCH_TALENT_POOL, is_pool_searcher)
rules.add_perm(Permission.VIEW_POOL_SEARCH, made_the_search & holds_pool_role)
rules.add_perm(Permission.VIEW_POOL_PROFILE, may_see_pool_entry)
rules.add_perm(Permission.MANAGE_SHORTLIST, owns_shortlist & holds_pool_role)
rules.add_perm(Permission.VIEW_SUCCESSION_PLANS, sees_organisation_plans)
rules.add_perm(Permission.MANAGE_SUCCESSION_PLAN, keeps_organisation_plans)
