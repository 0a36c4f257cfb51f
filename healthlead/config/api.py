"""The JSON API at /api/v1: session or organisation-token authentication, plain-English errors.

Each app's router lives in its own `api.py` and is added below.
"""

from __future__ import annotations

import re
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.openapi.docs import DocsBase

from healthlead.accounts.api_access import ApiSessionAuth, ErrorOut, TokenAuth
from healthlead.people.api import router as people_router

__all__ = ["ApiSessionAuth", "TokenAuth", "api"]


class LocalSwaggerDocs(DocsBase):
    """The docs page: Swagger UI from our own static files, started by an external script.

    Django Ninja's default page loads Swagger UI from a CDN with an inline script, which our
    Content Security Policy blocks (and which cannot load offline).
    """

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        schema = api.get_openapi_schema(path_params=kwargs)
        operations = [
            {
                "method": method.upper(),
                "path": path,
                "summary": operation.get("summary", ""),
                "scope": operation.get("x-token-scope", ""),
            }
            for path, methods in schema["paths"].items()
            for method, operation in methods.items()
        ]
        return render(
            request,
            "core/api_docs.jinja",
            {
                "page_title": "Healthlead API",
                "openapi_url": self.get_openapi_url(api, kwargs),
                "operations": operations,
                "breadcrumbs": [{"href": "/", "text": "Home"}],
            },
        )


class HealthleadAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document lists the error answers every operation can give.

    Any operation with parameters can answer 400 (see `validation_error` below); any that
    needs credentials can answer 401 and 403. Routers document their own other answers,
    using `ErrorOut` from healthlead.accounts.api_access for 4xx bodies.
    """

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        definition = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(definition.pop("$defs", {}))
        # One error shape for the whole API (400s from `validation_error` carry `errors`):
        # a router's own schema named ErrorOut gives way to it.
        components["ErrorOut"] = definition
        error = {"content": {"application/json": {"schema": {"$ref": _ERROR_REF}}}}
        for methods in schema["paths"].values():
            for operation in methods.values():
                responses = operation.setdefault("responses", {})
                codes = []
                if operation.get("parameters"):
                    codes.append(400)
                if operation.get("security"):
                    codes += [401, 403]
                for code in codes:
                    if str(code) not in responses and code not in responses:
                        responses[code] = {"description": _DESCRIPTIONS[code], **error}
        return schema


_ERROR_REF = "#/components/schemas/ErrorOut"
_DESCRIPTIONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden"}


api = HealthleadAPI(
    title="Healthlead API",
    version="1",
    description=(
        "Organisations, staff records (within the caller's scope) and competency frameworks. "
        "Authenticate with a signed-in session or an organisation API token sent as "
        "`Authorization: Bearer hl_...`. See /api/v1/docs."
    ),
    urls_namespace="api",
    # A token, when sent, is tried first: a token request never needs a CSRF token.
    auth=[TokenAuth(), ApiSessionAuth()],
    docs=LocalSwaggerDocs(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)


# Plain-English messages for the validation errors a caller can cause.
def _parameter(loc: list[Any] | tuple[Any, ...]) -> str:
    names = [str(part) for part in loc if isinstance(part, str)]
    if names and names[0] in {"query", "path", "body", "header", "cookie", "form"}:
        names = names[1:]
    return names[-1] if names else "request"


def _pattern_phrase(pattern: str) -> str:
    """What a regular expression in the OpenAPI document asks for, in words."""
    if "\\x00" in pattern:
        return "must not contain control characters"
    letters_and_digits = re.fullmatch(r"\^\[A-Za-z0-9\]\{1,(\d+)\}\$", pattern)
    if letters_and_digits:
        return f"must be letters and digits only, at most {letters_and_digits.group(1)}"
    return "is not in the expected format"


def _plain_message(error: dict[str, Any]) -> str:
    name = _parameter(error.get("loc", ()))
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind in {"int_parsing", "int_from_float", "int_type"}:
        return f"{name} must be a whole number."
    bounds = {
        "greater_than_equal": ("ge", "{bound} or more"),
        "greater_than": ("gt", "more than {bound}"),
        "less_than_equal": ("le", "{bound} or less"),
        "less_than": ("lt", "less than {bound}"),
    }
    if kind in bounds:
        key, phrase = bounds[kind]
        return f"{name} must be {phrase.format(bound=ctx.get(key))}."
    if kind == "string_too_long":
        return f"{name} must be {ctx.get('max_length')} characters or fewer."
    if kind == "string_too_short":
        return f"{name} must be at least {ctx.get('min_length')} characters."
    if kind == "string_pattern_mismatch":
        return f"{name} {_pattern_phrase(str(ctx.get('pattern', '')))}."
    if kind == "extra_forbidden":
        return f"{error.get('msg') or name + ' is not a parameter here'}."
    if kind in {"enum", "literal_error"}:
        return f"{name} must be one of: {ctx.get('expected', '')}."
    if kind == "missing":
        return f"{name} is required."
    if kind == "value_error":
        return f"{name}: {ctx.get('error', error.get('msg', 'is not valid'))}"
    if kind in {"bool_parsing", "bool_type"}:
        return f"{name} must be true or false."
    if kind in {"date_parsing", "date_from_datetime_parsing", "date_type"}:
        return f"{name} must be a date like 2026-04-01."
    return f"{name}: {error.get('msg', 'is not valid')}."


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"parameter": _parameter(e.get("loc", ())), "message": _plain_message(e)}
        for e in exc.errors
    ]
    detail = errors[0]["message"] if errors else "The request is not valid."
    return api.create_response(request, {"detail": detail, "errors": errors}, status=400)


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    message = (
        exc.message
        if exc.message != "Unauthorized"
        else ("Sign in, or send an organisation API token as 'Authorization: Bearer hl_...'.")
    )
    response = api.create_response(request, {"detail": message}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="Healthlead API"'
    return response


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    message = str(exc) if exc.args and str(exc) else "Not found."
    return api.create_response(request, {"detail": message}, status=404)


api.add_router("", people_router)
api.add_router("", "healthlead.frameworks.api.router")
api.add_router("feedback/", "healthlead.feedback.api.router")
api.add_router("appraisal/", "healthlead.appraisal.api.router")
api.add_router("talent/", "healthlead.talent.api.router")
api.add_router("", "healthlead.programmes.api.router")
