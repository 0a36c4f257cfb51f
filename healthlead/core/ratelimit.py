"""Rate limits shared by every web process, counted in the database.

    @rate_limit("sign_in", limit=60, period=300, key=by_ip)
    def sign_in_view(request): ...

counts the requests each client makes in fixed windows of `period` seconds. Past
`limit`, the view is not called: the client gets the styled 429 page with a
Retry-After header. `settings.RATE_LIMITS = {"sign_in": (limit, period)}` overrides a
limit by name; `settings.RATE_LIMITS_ENABLED = False` turns every limit off.

Counting is one INSERT ... ON CONFLICT DO UPDATE ... RETURNING statement (PostgreSQL
and SQLite alike), so concurrent requests on several processes never lose a hit.
Why the database rather than a cache: docs/adr/0003-rate-limits.md.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from healthlead.core.models import RateLimitCounter

KeyFunc = Callable[[HttpRequest], str]
ViewFunc = Callable[..., HttpResponse]

# Stale counters are deleted on roughly one window start in this many.
PRUNE_ONE_IN = 200


@dataclass(frozen=True)
class Decision:
    """The outcome of counting one request against a limit."""

    allowed: bool
    hits: int
    limit: int
    retry_after: int  # seconds until the window ends


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, trusting X-Forwarded-For only from TRUSTED_PROXY_COUNT proxies.

    Each trusted proxy appends the address it saw, so the client is that many entries
    from the right; anything further left could be forged by the client. None when there
    is no usable address (django-axes stores it in an address column). django-axes uses
    this function too (AXES_CLIENT_IP_CALLABLE), so lockouts and limits agree.
    """
    remote = _valid_ip(str(request.META.get("REMOTE_ADDR") or ""))
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0))
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
        if part.strip()
    ]
    if len(forwarded) < proxies:
        return remote
    return _valid_ip(forwarded[-proxies]) or remote


def by_ip(request: HttpRequest) -> str:
    """Limit each client address."""
    return f"ip:{client_ip(request) or 'unknown'}"


def by_user(request: HttpRequest) -> str:
    """Limit each signed-in user (each address, for anonymous requests)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return by_ip(request)


def _client_key(name: str, identity: str) -> str:
    """A keyed hash, so counters hold no addresses and cannot be matched to one offline."""
    message = f"{name}\x00{identity}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def configured(name: str, limit: int, period: int) -> tuple[int, int]:
    """The (limit, period) in force for a named limit: settings first, then the defaults."""
    override = getattr(settings, "RATE_LIMITS", {}).get(name)
    if override is None:
        return limit, period
    return int(override[0]), int(override[1])


def hit(name: str, identity: str, *, limit: int, period: int, now: float | None = None) -> Decision:
    """Count one request by `identity` against the limit `name` and say whether it may go on."""
    if limit < 1 or period < 1:
        raise ValueError("A rate limit needs a limit and a period of at least 1.")
    moment = time.time() if now is None else now
    window_start = int(moment // period) * period
    window_end = window_start + period
    table = connection.ops.quote_name(RateLimitCounter._meta.db_table)
    key, start, end, hits = (
        connection.ops.quote_name(column)
        for column in ("client_key", "window_start", "window_end", "hits")
    )
    same_window = f"{table}.{start} = excluded.{start}"
    sql = (
        f"INSERT INTO {table} ({key}, {start}, {end}, {hits}) VALUES (%s, %s, %s, 1) "  # noqa: S608 (quoted model fields, values are parameters)
        f"ON CONFLICT ({key}) DO UPDATE SET "
        f"{hits} = CASE WHEN {same_window} THEN {table}.{hits} + 1 ELSE 1 END, "
        f"{start} = excluded.{start}, {end} = excluded.{end} "
        f"RETURNING {hits}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [_client_key(name, identity), window_start, window_end])
        count = int(cursor.fetchone()[0])
    if count == 1 and secrets.randbelow(PRUNE_ONE_IN) == 0:
        prune(now=moment)
    return Decision(
        allowed=count <= limit,
        hits=count,
        limit=limit,
        retry_after=max(1, math.ceil(window_end - moment)),
    )


def reset(name: str, identity: str) -> None:
    """Forget the count for one client (for example after a support desk confirms who it is)."""
    RateLimitCounter.objects.filter(client_key=_client_key(name, identity)).delete()


def prune(*, now: float | None = None) -> int:
    """Delete counters whose window has ended; returns how many went."""
    moment = time.time() if now is None else now
    deleted, _ = RateLimitCounter.objects.filter(window_end__lte=int(moment)).delete()
    return deleted


def too_many_requests(request: HttpRequest, decision: Decision) -> HttpResponse:
    """The styled 429 page, saying when to try again."""
    minutes = max(1, math.ceil(decision.retry_after / 60))
    response = render(
        request,
        "core/429.jinja",
        {"page_title": "Too many attempts", "minutes": minutes},
        status=429,
    )
    response["Retry-After"] = str(decision.retry_after)
    return response


def rate_limit(
    name: str,
    *,
    limit: int,
    period: int,
    key: KeyFunc = by_ip,
    methods: Iterable[str] = ("POST",),
) -> Callable[[ViewFunc], ViewFunc]:
    """Allow each client `limit` requests (with one of `methods`) per `period` seconds."""
    counted = frozenset(method.upper() for method in methods)

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if getattr(settings, "RATE_LIMITS_ENABLED", True) and request.method in counted:
                allowed, seconds = configured(name, limit, period)
                decision = hit(name, key(request), limit=allowed, period=seconds)
                if not decision.allowed:
                    return too_many_requests(request, decision)
            return view(request, *args, **kwargs)

        wrapped.rate_limit = name  # type: ignore[attr-defined]
        return wrapped

    return decorator
