"""Read paths for framework pages, CASE and the API. Query counts do not grow with the data."""

from __future__ import annotations

import uuid

from django.db.models import Prefetch, QuerySet

from healthlead.frameworks.models import (
    Crosswalk,
    Domain,
    Element,
    Framework,
    FrameworkVersion,
    Indicator,
    Stage,
)

PUBLISHED = FrameworkVersion.State.PUBLISHED


def frameworks_with_published_versions() -> QuerySet[Framework]:
    """Every framework, current first, each with `published_versions` newest first (2 queries)."""
    return (
        Framework.objects.select_related("superseded_by")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=FrameworkVersion.objects.published().order_by("-published_at", "-pk"),
                to_attr="published_versions",
            )
        )
        .order_by("status", "name")
    )


def framework_by_code(code: str) -> Framework | None:
    return Framework.objects.select_related("superseded_by").filter(code=code).first()


def latest_published_version(framework: Framework) -> FrameworkVersion | None:
    return (
        framework.versions.published()
        .select_related("framework")
        .order_by("-published_at", "-pk")
        .first()
    )


def versions_of(framework: Framework) -> list[FrameworkVersion]:
    """Drafts first, then published versions newest first."""
    versions = list(framework.versions.all())
    drafts = [v for v in versions if not v.is_published]
    published = sorted(
        (v for v in versions if v.is_published),
        key=lambda v: (v.published_at, v.pk),
        reverse=True,
    )
    return drafts + published


def version_by_label(code: str, label: str) -> FrameworkVersion | None:
    return (
        FrameworkVersion.objects.select_related("framework__superseded_by")
        .filter(framework__code=code, version=label)
        .first()
    )


def draft_of(framework: Framework) -> FrameworkVersion | None:
    return framework.versions.filter(state=FrameworkVersion.State.DRAFT).first()


def _tree_prefetches() -> list[Prefetch]:
    elements = (
        Element.objects.order_by("order", "pk")
        .select_related("expected_by")
        .prefetch_related(
            Prefetch("indicators", queryset=Indicator.objects.order_by("order", "pk")),
            Prefetch(
                "crosswalks_out",
                queryset=Crosswalk.objects.select_related(
                    "target__domain__version__framework"
                ).order_by("kind", "target_identifier"),
            ),
            Prefetch(
                "crosswalks_in",
                # Links from drafts are not public.
                queryset=Crosswalk.objects.filter(source__domain__version__state=PUBLISHED)
                .select_related("source__domain__version__framework")
                .order_by("kind", "source__case_uuid"),
            ),
        )
    )
    return [
        Prefetch("stages", queryset=Stage.objects.order_by("order", "pk")),
        Prefetch(
            "domains",
            queryset=Domain.objects.order_by("order", "pk").prefetch_related(
                Prefetch("elements", queryset=elements)
            ),
        ),
    ]


def version_tree(version_pk: int) -> FrameworkVersion:
    """A version with its stages, domains, elements, indicators and crosswalks (8 queries)."""
    return (
        FrameworkVersion.objects.select_related("framework__superseded_by")
        .prefetch_related(*_tree_prefetches())
        .get(pk=version_pk)
    )


def element_detail(code: str, label: str, domain_code: str, element_code: str) -> Element | None:
    """One element with its indicators and crosswalks in both directions."""
    return (
        Element.objects.select_related("domain__version__framework", "expected_by")
        .prefetch_related(
            Prefetch("indicators", queryset=Indicator.objects.order_by("order", "pk")),
            Prefetch(
                "crosswalks_out",
                queryset=Crosswalk.objects.select_related("target__domain__version__framework"),
            ),
            Prefetch(
                "crosswalks_in",
                queryset=Crosswalk.objects.filter(
                    source__domain__version__state=PUBLISHED
                ).select_related("source__domain__version__framework"),
            ),
            Prefetch("domain__version__stages", queryset=Stage.objects.order_by("order", "pk")),
        )
        .filter(
            domain__version__framework__code=code,
            domain__version__version=label,
            domain__code=domain_code,
            code=element_code,
        )
        .first()
    )


# CASE look-ups: published content only -----------------------------------------------------


def published_versions() -> QuerySet[FrameworkVersion]:
    return FrameworkVersion.objects.published().select_related("framework")


def published_version_by_uuid(identifier: uuid.UUID) -> FrameworkVersion | None:
    return published_versions().filter(case_uuid=identifier).first()


def published_domain(identifier: uuid.UUID, *, field: str = "case_uuid") -> Domain | None:
    return (
        Domain.objects.select_related("version__framework")
        .filter(version__state=PUBLISHED, **{field: identifier})
        .first()
    )


def published_element(identifier: uuid.UUID, *, field: str = "case_uuid") -> Element | None:
    return (
        Element.objects.select_related("domain__version__framework", "expected_by")
        .filter(domain__version__state=PUBLISHED, **{field: identifier})
        .first()
    )


def published_indicator(identifier: uuid.UUID, *, field: str = "case_uuid") -> Indicator | None:
    return (
        Indicator.objects.select_related("element__domain__version__framework")
        .filter(element__domain__version__state=PUBLISHED, **{field: identifier})
        .first()
    )


def published_crosswalk(identifier: uuid.UUID) -> Crosswalk | None:
    return (
        Crosswalk.objects.select_related(
            "source__domain__version__framework", "target__domain__version__framework"
        )
        .filter(source__domain__version__state=PUBLISHED, case_uuid=identifier)
        .first()
    )


def published_stage(identifier: uuid.UUID) -> Stage | None:
    return (
        Stage.objects.select_related("version__framework")
        .filter(version__state=PUBLISHED, case_uuid=identifier)
        .first()
    )
