"""The JSON API at /api/v1: session or organisation-token authentication."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import NinjaAPI
from ninja.security import APIKeyHeader, SessionAuth

from healthlead.accounts.models import ApiToken


class TokenAuth(APIKeyHeader):
    """`Authorization: Bearer hl_...` with an organisation API token."""

    param_name = "Authorization"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not key or not key.startswith("Bearer "):
            return None
        secret = key.removeprefix("Bearer ").strip()
        token = (
            ApiToken.objects.select_related("organisation")
            .filter(token_hash=ApiToken.hash_secret(secret))
            .first()
        )
        if token is None or not token.is_usable:
            return None
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        request.api_token = token  # type: ignore[attr-defined]
        return token


api = NinjaAPI(
    title="Healthlead API",
    version="1",
    description=(
        "Organisations, staff records (within the caller's scope) and competency frameworks. "
        "Authenticate with a signed-in session or an organisation API token."
    ),
    urls_namespace="api",
    auth=[SessionAuth(), TokenAuth()],
    docs_url="/docs",
    openapi_url="/openapi.json",
)
