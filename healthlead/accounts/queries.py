"""Read paths for account pages: API tokens and the organisations a lead manages."""

from __future__ import annotations

from django.db.models import QuerySet

from healthlead.accounts.models import ApiToken, User
from healthlead.accounts.scope import Scope
from healthlead.people.models import Organisation


def token_organisations(scope: Scope) -> QuerySet[Organisation]:
    """Organisations whose API tokens the user manages: all for a national lead."""
    if scope.national:
        return Organisation.objects.order_by("name")
    return Organisation.objects.filter(pk__in=scope.organisation_ids).order_by("name")


def api_tokens(scope: Scope) -> QuerySet[ApiToken]:
    """The tokens the user manages, newest first, with what the list shows in one query."""
    tokens = ApiToken.objects.select_related("organisation", "created_by__person").order_by(
        "-created_at", "-pk"
    )
    if scope.national:
        return tokens
    return tokens.filter(organisation_id__in=scope.organisation_ids)


def api_token(pk: int) -> ApiToken | None:
    return (
        ApiToken.objects.select_related("organisation", "created_by__person").filter(pk=pk).first()
    )


def user_with_person(pk: int) -> User | None:
    """A user and their staff record, for pages about their account."""
    return User.objects.select_related("person__organisation").filter(pk=pk).first()


def user_by_email(email: str) -> User | None:
    return (
        User.objects.select_related("person__organisation")
        .filter(email__iexact=email.strip())
        .first()
    )
