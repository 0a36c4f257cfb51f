"""Session expiry after a period of inactivity, and after a maximum length."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

LAST_SEEN = "healthlead_last_seen"
SIGNED_IN_AT = "healthlead_signed_in_at"


def _touch_interval() -> int:
    """How stale last-seen may get before it is written again: saves a write per request."""
    return max(1, min(60, settings.SESSION_IDLE_TIMEOUT // 10))


class SessionIdleTimeoutMiddleware:
    """Sign a user out after SESSION_IDLE_TIMEOUT seconds idle or SESSION_COOKIE_AGE in all.

    Django's own expiry slides forward each time the session is saved, so neither limit
    would hold without this. Must come after the session, authentication and message
    middleware, and before anything that acts on who the user is.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            last_seen = session.get(LAST_SEEN)
            signed_in_at = session.get(SIGNED_IN_AT)
            idle = last_seen is not None and now - int(last_seen) > settings.SESSION_IDLE_TIMEOUT
            too_long = (
                signed_in_at is not None and now - int(signed_in_at) > settings.SESSION_COOKIE_AGE
            )
            if idle or too_long:
                logout(request)
                messages.info(
                    request,
                    "You were signed out because you had not used Healthlead for a while."
                    if idle
                    else "You were signed out because you had been signed in for a long time.",
                )
            else:
                if signed_in_at is None:
                    session[SIGNED_IN_AT] = now
                if last_seen is None or now - int(last_seen) >= _touch_interval():
                    session[LAST_SEEN] = now
        return self.get_response(request)


def start_session_clock(request: HttpRequest) -> None:
    """Call just after signing someone in: both limits count from now."""
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN] = now
