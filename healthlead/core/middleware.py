"""Session expiry after a period of inactivity."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

_LAST_SEEN = "healthlead_last_seen"


class SessionIdleTimeoutMiddleware:
    """Sign a user out when they have been idle for SESSION_IDLE_TIMEOUT seconds."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(_LAST_SEEN)
            if last_seen is not None and now - int(last_seen) > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                messages.info(request, "You were signed out because you were inactive.")
            else:
                request.session[_LAST_SEEN] = now
        return self.get_response(request)
