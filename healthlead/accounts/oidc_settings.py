"""Reading the optional OpenID Connect sign-in from the environment (docs/security.md).

Single sign-on is off unless HEALTHLEAD_OIDC_ISSUER is set. Once any of the required
variables is set, all of them must be, so a half-configured deployment fails at start-up
rather than at someone's first sign-in.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from healthlead.config.env import env_bool, env_int, env_list, env_str

# Each required variable and what it holds, for the error message.
_REQUIRED = {
    "HEALTHLEAD_OIDC_ISSUER": "the provider's issuer (the iss claim of its ID tokens)",
    "HEALTHLEAD_OIDC_CLIENT_ID": "the client ID the provider gave Healthlead",
    "HEALTHLEAD_OIDC_CLIENT_SECRET": "the client secret the provider gave Healthlead",
    "HEALTHLEAD_OIDC_AUTHORIZATION_ENDPOINT": "authorization_endpoint from the discovery document",
    "HEALTHLEAD_OIDC_TOKEN_ENDPOINT": "token_endpoint from the discovery document",
    "HEALTHLEAD_OIDC_USERINFO_ENDPOINT": "userinfo_endpoint from the discovery document",
    "HEALTHLEAD_OIDC_JWKS_ENDPOINT": "jwks_uri from the discovery document",
}
_ENDPOINTS = [name for name in _REQUIRED if name.endswith("_ENDPOINT")]
_SIGNING_ALGORITHMS = {"RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256"}


@dataclass(frozen=True)
class OIDCSettings:
    """What Healthlead needs to sign people in with an OpenID Connect provider."""

    enabled: bool = False
    issuer: str = ""
    client_id: str = ""
    client_secret: str = ""
    authorization_endpoint: str = ""
    token_endpoint: str = ""
    userinfo_endpoint: str = ""
    jwks_endpoint: str = ""
    sign_algo: str = "RS256"
    scopes: str = "openid email"
    email_claim: str = "email"
    require_verified_email: bool = True
    create_users: bool = False
    mfa_acr_values: tuple[str, ...] = ()
    mfa_amr_values: tuple[str, ...] = ()
    provider_name: str = "NHS identity"
    timeout: int = 10


def _text(name: str, default: str) -> str:
    # An empty value (as in a copied .env.example) means the default.
    return env_str(name, "").strip() or default


def _flag(name: str, default: bool) -> bool:
    return env_bool(name, default) if os.environ.get(name, "").strip() else default


def oidc_settings_from_env(*, production: bool) -> OIDCSettings:
    """The OpenID Connect settings, or `enabled=False` when none of them is set."""
    given = [name for name in _REQUIRED if os.environ.get(name, "").strip()]
    if not given:
        return OIDCSettings()
    missing = [name for name in _REQUIRED if name not in given]
    if missing:
        lines = "; ".join(f"{name} ({_REQUIRED[name]})" for name in missing)
        raise ImproperlyConfigured(
            f"OpenID Connect sign-in is half configured. Also set: {lines}. "
            "Or unset every HEALTHLEAD_OIDC_ variable to turn it off."
        )
    values = {name: env_str(name).strip() for name in _REQUIRED}
    for name in _ENDPOINTS:
        url = values[name]
        if not url.startswith(("https://", "http://")):
            raise ImproperlyConfigured(f"{name} must be a web address, not {url!r}.")
        if production and not url.startswith("https://"):
            raise ImproperlyConfigured(f"{name} must be an https:// address in production.")
    sign_algo = _text("HEALTHLEAD_OIDC_SIGN_ALGO", "RS256")
    if sign_algo not in _SIGNING_ALGORITHMS:
        raise ImproperlyConfigured(
            f"HEALTHLEAD_OIDC_SIGN_ALGO must be one of {', '.join(sorted(_SIGNING_ALGORITHMS))}, "
            f"not {sign_algo!r} (shared-secret algorithms are not accepted)."
        )
    scopes = _text("HEALTHLEAD_OIDC_SCOPES", "openid email")
    if "openid" not in scopes.split():
        raise ImproperlyConfigured("HEALTHLEAD_OIDC_SCOPES must include openid.")
    return OIDCSettings(
        enabled=True,
        issuer=values["HEALTHLEAD_OIDC_ISSUER"],
        client_id=values["HEALTHLEAD_OIDC_CLIENT_ID"],
        client_secret=values["HEALTHLEAD_OIDC_CLIENT_SECRET"],
        authorization_endpoint=values["HEALTHLEAD_OIDC_AUTHORIZATION_ENDPOINT"],
        token_endpoint=values["HEALTHLEAD_OIDC_TOKEN_ENDPOINT"],
        userinfo_endpoint=values["HEALTHLEAD_OIDC_USERINFO_ENDPOINT"],
        jwks_endpoint=values["HEALTHLEAD_OIDC_JWKS_ENDPOINT"],
        sign_algo=sign_algo,
        scopes=scopes,
        email_claim=_text("HEALTHLEAD_OIDC_EMAIL_CLAIM", "email"),
        require_verified_email=_flag("HEALTHLEAD_OIDC_REQUIRE_VERIFIED_EMAIL", True),
        create_users=_flag("HEALTHLEAD_OIDC_CREATE_USERS", False),
        mfa_acr_values=tuple(env_list("HEALTHLEAD_OIDC_MFA_ACR_VALUES", [])),
        mfa_amr_values=tuple(env_list("HEALTHLEAD_OIDC_MFA_AMR_VALUES", [])),
        provider_name=_text("HEALTHLEAD_OIDC_PROVIDER_NAME", "NHS identity"),
        timeout=env_int("HEALTHLEAD_OIDC_TIMEOUT", 10, minimum=1)
        if os.environ.get("HEALTHLEAD_OIDC_TIMEOUT", "").strip()
        else 10,
    )
