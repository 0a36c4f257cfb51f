"""Who may browse and manage frameworks."""

from __future__ import annotations

from typing import Any

import rules

from healthlead.accounts.permissions import Permission
from healthlead.accounts.rules import is_national_lead
from healthlead.frameworks.models import Domain, Element, FrameworkVersion, Indicator


def _version_of(obj: Any) -> FrameworkVersion | None:
    if isinstance(obj, FrameworkVersion):
        return obj
    if isinstance(obj, Domain):
        return obj.version
    if isinstance(obj, Element):
        return obj.domain.version
    if isinstance(obj, Indicator):
        return obj.element.domain.version
    return None


@rules.predicate
def is_published_content(user: Any, obj: Any) -> bool:
    """The version (or the version a domain, element or indicator belongs to) is published."""
    version = _version_of(obj)
    return version is not None and version.is_published


# Frameworks are public knowledge: anyone may browse them, signed in or not.
rules.add_perm(Permission.VIEW_FRAMEWORKS, rules.always_allow)
# Drafts are seen only by those who manage frameworks.
rules.add_perm(Permission.VIEW_FRAMEWORK_VERSION, is_published_content | is_national_lead)
rules.add_perm(Permission.MANAGE_FRAMEWORKS, is_national_lead)
