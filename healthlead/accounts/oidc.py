"""Signing in with an OpenID Connect provider (NHS identity services), on top of
mozilla-django-oidc. Off unless settings.OIDC_ENABLED; see docs/security.md.

The library handles state, nonce, PKCE and fetching the provider's keys. Healthlead adds:
checks of the ID token's issuer, audience and expiry (the library checks neither issuer
nor audience); matching to an existing account by a verified email address; refusing
unknown people unless OIDC_CREATE_USER allows accounts without roles; and reading whether
the provider used more than one factor (acr/amr), which may stand in for Healthlead's own
one-time code when the deployment says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from healthlead.accounts import actions
from healthlead.accounts.models import User
from healthlead.core.actors import System

SYSTEM = System("single-sign-on")


@dataclass(frozen=True)
class Refusal:
    """Why a sign-in was refused, in words for the person and a code for the audit log."""

    code: str
    message: str
    status: int


class SignInRefused(Exception):
    """The provider vouched for someone Healthlead will not sign in."""

    def __init__(self, refusal: Refusal, *, email: str = "", user: User | None = None):
        super().__init__(refusal.code)
        self.refusal = refusal
        self.email = email
        self.user = user


def provider_name() -> str:
    return str(settings.OIDC_PROVIDER_NAME)


def refusal(code: str) -> Refusal:
    """The refusal for a code, worded with the provider's name."""
    name = provider_name()
    refusals = {
        "state": Refusal(
            "state",
            "This sign-in was not started from this browser, or has already been used. "
            "Start again from the sign-in page.",
            400,
        ),
        "provider_error": Refusal(
            "provider_error",
            f"{name} did not sign you in. If you cancelled, you can start again.",
            400,
        ),
        "token": Refusal(
            "token",
            f"We could not confirm the answer from {name}, so we have not signed you in. "
            "Start again from the sign-in page.",
            400,
        ),
        "unavailable": Refusal(
            "unavailable",
            f"{name} is not answering at the moment. Try again later, or sign in with your "
            "email address and password.",
            502,
        ),
        "no_email": Refusal(
            "no_email",
            f"{name} did not tell us your email address, so we cannot find your account.",
            403,
        ),
        "unverified_email": Refusal(
            "unverified_email",
            f"{name} has not confirmed your email address, so we cannot use it to find your "
            "account. Confirm it with them, then try again.",
            403,
        ),
        "unknown_account": Refusal(
            "unknown_account",
            "There is no Healthlead account for this email address. Ask your organisation's "
            "education lead to create one.",
            403,
        ),
        "closed": Refusal(
            "closed",
            "This account has been closed. Ask your organisation's education lead.",
            403,
        ),
    }
    return refusals[code]


def multi_factor(id_token_claims: Mapping[str, Any]) -> bool:
    """Whether the ID token says the provider used more than one factor.

    Only the acr values and amr methods the deployment lists count: both lists are empty
    by default, so by default a provider sign-in never replaces Healthlead's own code.
    """
    acr = id_token_claims.get("acr")
    if isinstance(acr, str) and acr in settings.OIDC_MFA_ACR_VALUES:
        return True
    amr = id_token_claims.get("amr")
    if isinstance(amr, list):
        return bool({str(method) for method in amr} & set(settings.OIDC_MFA_AMR_VALUES))
    return False


def _claimed_email(claims: Mapping[str, Any]) -> str:
    """The verified email address in the claims, lower-cased; refuses if there is none."""
    email = claims.get(settings.OIDC_EMAIL_CLAIM)
    if not isinstance(email, str) or "@" not in email or len(email) > 254:
        raise SignInRefused(refusal("no_email"))
    email = email.strip().lower()
    if settings.OIDC_REQUIRE_VERIFIED_EMAIL and claims.get("email_verified") is not True:
        raise SignInRefused(refusal("unverified_email"), email=email)
    return email


class OIDCBackend(OIDCAuthenticationBackend):
    """Authenticates only the OpenID Connect callback; grants no permissions of its own."""

    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        # Only the callback passes a nonce: a password form posted with ?code= must not
        # start a token exchange.
        if not settings.OIDC_ENABLED or request is None or "nonce" not in kwargs:
            return None
        return super().authenticate(request, **kwargs)

    def get_user(self, user_id: Any) -> Any:
        if not settings.OIDC_ENABLED:
            return None  # turning single sign-on off ends the sessions it began
        return ModelBackend.get_user(self, user_id)

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return False

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return False

    def _verify_jws(self, payload: Any, key: Any) -> dict[str, Any]:
        """Check the signature, issuer, audience, expiry and issue time of a signed token."""
        try:
            algorithm = jwt.get_unverified_header(payload).get("alg")
        except jwt.InvalidTokenError as error:
            raise SuspiciousOperation(f"Unreadable token: {error}") from None
        if algorithm != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(f"Token signed with {algorithm!r}, not the agreed one.")
        try:
            claims: dict[str, Any] = jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.OIDC_ISSUER,
                leeway=60,
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except jwt.InvalidTokenError as error:
            raise SuspiciousOperation(f"Token refused: {error}") from None
        audience = claims["aud"]
        several = isinstance(audience, list) and len(audience) > 1
        if several and claims.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation("Token for several audiences without our azp.")
        return claims

    def retrieve_matching_jwk(self, token: Any) -> Any:
        try:
            return super().retrieve_matching_jwk(token)
        except (KeyError, TypeError, ValueError, jwt.InvalidTokenError) as error:
            raise SuspiciousOperation(f"No usable signing key: {error!r}") from None

    def get_or_create_user(self, access_token: Any, id_token: Any, payload: Any) -> Any:
        """The account for a verified email address, or SignInRefused saying why not."""
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if not isinstance(userinfo, dict) or userinfo.get("sub") != payload.get("sub"):
            # OpenID Connect Core 5.3.2: user information about someone else is not to be used.
            raise SuspiciousOperation("The user information is not about the signed-in person.")
        claims = {**payload, **userinfo}
        email = _claimed_email(claims)
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            if not settings.OIDC_CREATE_USER:
                raise SignInRefused(refusal("unknown_account"), email=email)
            user = actions.create_user(
                email=email,
                password=None,
                first_name=str(claims.get("given_name") or "")[:150],
                last_name=str(claims.get("family_name") or "")[:150],
                by=SYSTEM,
            )
        if not user.is_active:
            raise SignInRefused(refusal("closed"), email=email, user=user)
        user.oidc_multi_factor = multi_factor(payload)  # type: ignore[attr-defined]
        return user
