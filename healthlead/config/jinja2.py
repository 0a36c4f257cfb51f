"""The Jinja2 environment: NHS.UK frontend macros, URL and permission helpers."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.urls import reverse
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader, select_autoescape

from healthlead.core import formatting
from healthlead.core.forms import component_for, error_list


def url(name: str, *args: Any, **kwargs: Any) -> str:
    """reverse() for templates: url('people:show_person', person.pk)."""
    return reverse(name, args=args or None, kwargs=kwargs or None)


def has_perm(user: Any, permission: Any, obj: Any = None) -> bool:
    """Ask the permission rules from a template: has_perm(request.user, Permission.X, obj)."""
    return bool(user.has_perm(str(permission), obj))


def navigation_items(request: Any) -> list[dict[str, Any]]:
    """Header navigation for the signed-in user, from the registered sections."""
    from healthlead.accounts.navigation import items_for

    return items_for(request)


def environment(**options: Any) -> Environment:
    options["loader"] = ChoiceLoader(
        [
            options["loader"],
            PackageLoader("nhsuk_frontend_jinja"),
            PackageLoader("nhsuk_frontend_jinja", package_path="templates/nhsuk"),
        ]
    )
    options["undefined"] = ChainableUndefined
    options.setdefault("extensions", [])
    # Escape for HTML everywhere but in plain-text templates (the text part of every email): a
    # name such as O'Brien would otherwise reach the reader as O&#39;Brien.
    options["autoescape"] = select_autoescape(
        disabled_extensions=("txt",), default_for_string=True, default=True
    )
    env = Environment(**options)  # noqa: S701 (autoescape is set just above)
    from healthlead.accounts.permissions import Permission

    env.globals.update(
        {
            "url": url,
            "component_for": component_for,
            "error_list": error_list,
            "navigation_items": navigation_items,
            "static": static,
            "has_perm": has_perm,
            "Permission": Permission,
            "get_messages": get_messages,
            "csrf_token_for": get_token,
            "service_name": "Healthlead",
            "site_url": settings.SITE_URL,
        }
    )
    env.filters.update(formatting.FILTERS)
    return env
