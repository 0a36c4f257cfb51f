"""Who may browse and manage frameworks."""

from __future__ import annotations

import rules

from healthlead.accounts.permissions import Permission
from healthlead.accounts.rules import is_national_lead

# Frameworks are public knowledge: anyone may browse them, signed in or not.
rules.add_perm(Permission.VIEW_FRAMEWORKS, rules.always_allow)
rules.add_perm(Permission.MANAGE_FRAMEWORKS, is_national_lead)
