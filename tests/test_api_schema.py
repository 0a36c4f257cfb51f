"""Schemathesis against /api/v1/openapi.json, through the WSGI application.

For every operation, a bounded number of generated requests (valid and invalid) as a
national lead signed in with two-factor, and valid ones with an organisation token: no
answer is a 5xx, and every answer matches the documented status codes and schemas.
Examples are derived deterministically, so a run is repeatable.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from django.conf import settings
from django.core import signals
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from ninja.openapi.schema import OpenAPISchema
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from healthlead.accounts.api_access import ErrorOut
from healthlead.config.api import api
from healthlead.config.wsgi import application
from tests.conftest import World, sign_in, token_headers

MAX_EXAMPLES = 25  # per operation and mode, as a signed-in national lead
TOKEN_EXAMPLES = 10  # per operation, with an organisation token
OPENAPI_PATH = "/api/v1/openapi.json"
OPERATIONS = [
    (method.upper(), path)
    for path, methods in api.get_openapi_schema()["paths"].items()
    for method in methods
]


def _national_lead_session(world: World) -> dict[str, Any]:
    """Cookies and header of a browser signed in (with two-factor) as the national lead."""
    client = sign_in(Client(), world.user("national_lead"))
    csrf = _get_new_csrf_string()
    return {
        "cookies": {
            settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value,
            settings.CSRF_COOKIE_NAME: csrf,
        },
        "headers": {"X-CSRFToken": csrf},
    }


def _run(operation: Any, mode: GenerationMode, examples: int, **credentials: Any) -> int:
    """Send up to `examples` generated requests and validate each answer; return the count."""
    sent = []

    @hypothesis_settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, **credentials))
    def check(case: Any) -> None:
        response = case.call()
        sent.append(response.status_code)
        assert response.status_code < 500, f"{case.path} answered {response.status_code}"
        # Business rules (a deadline in the past, an unknown framework version) refuse some
        # schema-valid bodies with 400, so "valid data is accepted" is asked of reads only.
        case.validate_response(
            response,
            excluded_checks=[] if case.method == "GET" else [positive_data_acceptance],
        )

    with _connection_kept_open():
        check()
    return len(sent)


@contextmanager
def _connection_kept_open() -> Iterator[None]:
    """Calls go straight to the WSGI application, which (unlike Django's test client) closes
    the database connection after each request: on PostgreSQL that would end the test's
    transaction. Keep it open, as the test client does (and after it, which reconnects)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def openapi(module_transaction: None, django_db_blocker: Any) -> Any:
    """The API's schema, read once for the module from the running application."""
    with django_db_blocker.unblock(), _connection_kept_open():
        return schemathesis.openapi.from_wsgi(OPENAPI_PATH, application)


def _resolved(body: Any, definitions: dict[str, Any], depth: int = 0) -> Any:
    """A schema with its $refs replaced by what they name, so equal shapes compare equal."""
    if depth > 20:
        return body
    if isinstance(body, dict):
        ref = body.get("$ref", "")
        if ref.startswith("#/components/schemas/") and len(body) == 1:
            name = ref.rsplit("/", 1)[-1]
            return _resolved(definitions.get(name, body), definitions, depth + 1)
        return {
            key: _resolved(value, definitions, depth + 1)
            for key, value in body.items()
            if key not in {"title", "description"}
        }
    if isinstance(body, list):
        return [_resolved(item, definitions, depth + 1) for item in body]
    return body


def test_no_two_schemas_share_a_component_name(monkeypatch):
    """Ninja keeps the last schema of a name: two apps' `Status` enums would silently merge."""
    clashes = []
    add = OpenAPISchema.add_schema_definitions

    def add_checking(self: Any, definitions: dict[str, Any]) -> None:
        for name, body in definitions.items():
            if name in self.schemas:
                kept = _resolved(self.schemas[name], self.schemas)
                if kept != _resolved(body, {**self.schemas, **definitions}):
                    clashes.append(name)
        add(self, definitions)

    monkeypatch.setattr(OpenAPISchema, "add_schema_definitions", add_checking)
    document = api.get_openapi_schema()
    # ErrorOut is the API's one error shape: the document always carries the shared one.
    shared = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    shared.pop("$defs")
    assert document["components"]["schemas"]["ErrorOut"] == shared
    clashes = [name for name in clashes if name != "ErrorOut"]
    assert not clashes, f"Give these schemas distinct names: {sorted(set(clashes))}"


def test_every_api_operation_is_tested():
    assert ("GET", "/api/v1/people/") in OPERATIONS
    assert len(OPERATIONS) >= 4


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_generated_requests_as_a_national_lead_get_documented_answers(
    openapi, world, method, path, mode
):
    sent = _run(openapi[path][method], mode, MAX_EXAMPLES, **_national_lead_session(world))
    assert sent > 0


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_generated_requests_with_an_organisation_token_get_documented_answers(
    openapi, world, method, path
):
    sent = _run(
        openapi[path][method],
        GenerationMode.POSITIVE,
        TOKEN_EXAMPLES,
        headers=token_headers(world, "token"),
    )
    assert sent > 0
