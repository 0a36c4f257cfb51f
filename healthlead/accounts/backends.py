"""Password sign-in and Django's model permissions, for the admin site only.

Healthlead decides access with its own rules (`rules.py`, `permissions.py`); Django's model
permissions matter only to the admin site, which only staff accounts reach. Django's
`ModelBackend` would still read a user's permission and group tables (two queries) the first
time any `has_perm` check in a request falls through the rules to it, on nearly every page.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend


class PasswordBackend(ModelBackend):
    """`ModelBackend`, with no model permissions (and no queries for them) for accounts that
    are not staff: they cannot reach the admin site, the one place that uses them."""

    def _get_permissions(self, user_obj: Any, obj: Any, from_name: str) -> set[str]:
        if not getattr(user_obj, "is_staff", False):
            return set()
        return super()._get_permissions(user_obj, obj, from_name)  # type: ignore[misc]
