"""Header navigation: one entry per section the user may use."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse

from healthlead.accounts.middleware import second_factor_done
from healthlead.accounts.permissions import Permission

# (URL name, text, permission needed or None)
SECTIONS: list[tuple[str, str, Permission | None]] = [
    ("accounts:home", "Home", None),
    ("people:list_people", "People", Permission.VIEW_PEOPLE_DIRECTORY),
    ("people:list_organisations", "Organisations", Permission.VIEW_ORGANISATION),
    ("frameworks:list_frameworks", "Frameworks", Permission.VIEW_FRAMEWORKS),
    ("appraisal:list_appraisals", "Appraisals", Permission.LIST_APPRAISALS),
    ("talent:show_talent_home", "Talent", Permission.USE_TALENT),
    ("programmes:list_programmes", "Programmes", Permission.VIEW_PROGRAMMES),
]


def items_for(request: Any) -> list[dict[str, Any]]:
    """Sections the user may use; none until a privileged user has passed the second factor."""
    if (
        settings.TWO_FACTOR_REQUIRED
        and request.scope.is_privileged
        and not second_factor_done(request)
    ):
        return []
    items = []
    for name, text, permission in SECTIONS:
        if permission is not None and not request.user.has_perm(permission):
            continue
        href = reverse(name)
        current = request.path == href or (href != "/" and request.path.startswith(href))
        items.append({"href": href, "text": text, "current": current})
    return items
