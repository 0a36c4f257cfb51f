"""The one vocabulary of what a user may do. Predicates live in each app's rules.py."""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    # people
    VIEW_PEOPLE_DIRECTORY = "people.view_directory"
    VIEW_PERSON = "people.view_person"
    VIEW_ORGANISATION = "people.view_organisation"
    VIEW_ORGANISATION_STAFF = "people.view_organisation_staff"
    IMPORT_STAFF = "people.import_staff"
    VIEW_STAFF_IMPORT = "people.view_staff_import"
    VIEW_EQUALITY_REPORT = "people.view_equality_report"
    # frameworks
    VIEW_FRAMEWORKS = "frameworks.view"
    MANAGE_FRAMEWORKS = "frameworks.manage"
    # accounts and audit
    MANAGE_API_TOKENS = "accounts.manage_api_tokens"
    VIEW_AUDIT_LOG = "core.view_audit_log"
